import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../core/errors.js';
import { unsafeFieldOf } from './safe-text.js';

/**
 * The largest `offset` a list route takes: beyond it PostgreSQL's OFFSET (bigint) and our numbers
 * (doubles) stop agreeing, and no store holds that many rows anyway.
 */
export const MAX_QUERY_OFFSET = 2_147_483_647;

interface IntegerProperty {
  type?: unknown;
  minimum?: unknown;
  maximum?: unknown;
}

/**
 * The integer query parameters that schema validation let through out of range. Fastify's Ajv
 * coerces `1e309` to Infinity and then skips `minimum`/`maximum` (it checks those for finite
 * numbers only), so `?limit=1e309` reaches the handler as Infinity; this checks again.
 * @returns `querystring.<name>: …` for the first bad one, else undefined.
 */
function outOfRangeQueryInteger(request: FastifyRequest): string | undefined {
  const schema = request.routeOptions.schema?.querystring as
    | { properties?: Record<string, IntegerProperty> }
    | undefined;
  const query = request.query as Record<string, unknown> | undefined;
  if (!schema?.properties || !query) return undefined;
  for (const [name, property] of Object.entries(schema.properties)) {
    const value = query[name];
    if (property.type !== 'integer' || typeof value !== 'number') continue;
    if (typeof property.minimum === 'number' && value < property.minimum) {
      return `querystring.${name}: must be >= ${property.minimum}`;
    }
    if (typeof property.maximum === 'number' && value > property.maximum) {
      return `querystring.${name}: must be <= ${property.maximum}`;
    }
    if (!Number.isSafeInteger(value)) return `querystring.${name}: must be an integer`;
  }
  return undefined;
}

/**
 * The edge rule for what callers send in paths and queries, for the routes of `app` (call it in a
 * route plugin, before its routes): every string must be well-formed UTF-16 without NUL (400
 * naming the field; see `textFault`), and every integer query parameter must be a safe integer
 * within its schema's bounds (400 naming the field). Bodies are checked by their own parsers
 * (`parseInteractionBody`, `parseCommunityConfig`), which know which fields are free text.
 */
export function guardEdgeInput(app: FastifyInstance): void {
  // Callback-style hooks: an async hook costs a promise per request, and the ack route is hot.
  app.addHook('preValidation', (request, _reply, done) => {
    const unsafe = unsafeFieldOf('params', request.params) ?? unsafeFieldOf('querystring', request.query);
    if (!unsafe) return done();
    done(new ValidationError(`${unsafe.field}: ${unsafe.fault}`, unsafe.field));
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const detail = outOfRangeQueryInteger(request);
    if (!detail) return done();
    done(new ValidationError(detail, detail.split(':')[0] ?? 'querystring'));
  });
}
