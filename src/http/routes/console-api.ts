import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../services.js';
import type { KeyRing } from '../auth.js';
import { type ConsoleScope, consoleScope } from '../console/console-scope.js';
import { type ConsoleSnapshotDeps, consoleSnapshot, scopedStatus } from '../console/console-snapshot.js';
import { EventStream } from '../console/event-stream.js';
import { errors } from '../openapi/shapes.js';
import { guardEdgeInput } from '../schemas/edge-input.js';
import { InteractionWithEventJson, interactionWithEventJson } from '../schemas/interaction-json.js';
import { InteractionQuery, interactionFilter } from '../schemas/interaction-query.js';

/** What these routes use of the services, and nothing more. */
export type ConsoleApiDeps = ConsoleSnapshotDeps & Pick<Services, 'interactionFeed'>;

/** Options of the console API; tests shorten nothing here, the defaults are the product's. */
export interface ConsoleApiOptions {
  /** Changes are gathered this long before they are sent (one status and one event per id), ms. */
  batchMs?: number;
  /** A status is sent at least this often, also when nothing was logged (breakers, health), ms. */
  statusEveryMs?: number;
}

const BATCH_MS = 250;
const STATUS_EVERY_MS = 5_000;

/**
 * The operator console's API (any caller key; `consoleScope`: the admin key sees everything, a
 * client key its own community, read-only; integration keys get 403):
 * - `GET /api/v1/console/snapshot`: everything the overview and the live tail render from, in one
 *   answer (`consoleSnapshot`);
 * - `GET /api/v1/console/events`: the same, live, as server-sent events: `snapshot` first, then
 *   `interaction` (an interaction added or changed, as the list route shows it) and `status` (the
 *   status, at most every `batchMs` after a change, and every `statusEveryMs`). Authorization by
 *   header: the console reads it with `fetch`, since `EventSource` cannot send one;
 * - `GET /api/v1/console/interactions?…`: the interaction search (`InteractionQuery`), limited to
 *   the client key's community.
 */
export const consoleApiRoutes = (
  services: ConsoleApiDeps,
  keys: KeyRing,
  options: ConsoleApiOptions = {},
): FastifyPluginAsync =>
  async function consoleApi(plain) {
    guardEdgeInput(plain);
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const open = new Set<EventStream>();
    // Streams never end by themselves: end them when the app closes, so the close does not wait on them.
    app.addHook('preClose', (done) => {
      for (const stream of open) stream.end();
      done();
    });

    const TAGS = ['Console'];
    const failures = errors(400, 401, 403, 503);
    const snapshotSchema = {
      summary: "What the console's first render needs: status, channels, communities, recent interactions",
      tags: TAGS,
      response: {
        200: Type.Object(
          {},
          {
            additionalProperties: true,
            description:
              '`{ scope, status, channels, communities, interactions }`: `status` as `GET /api/v1/ai/status`, ' +
              "`interactions` as `GET /api/v1/ai/interactions`; a client key's snapshot holds its community only.",
          },
        ),
        ...failures,
      },
    };
    app.get('/api/v1/console/snapshot', { schema: snapshotSchema }, async (request, reply) => {
      const scope = consoleScope(keys, request, reply);
      if (!scope) return reply;
      return consoleSnapshot(services, scope, request.log);
    });

    app.get(
      '/api/v1/console/interactions',
      {
        schema: {
          querystring: InteractionQuery,
          summary: "Search the interactions (a client key: its community's only)",
          tags: TAGS,
          response: {
            200: Type.Object(
              { interactions: Type.Array(InteractionWithEventJson) },
              { description: 'Newest first.' },
            ),
            ...failures,
          },
        },
      },
      async (request, reply) => {
        const scope = consoleScope(keys, request, reply);
        if (!scope) return reply;
        const filter = interactionFilter(request.query);
        if (scope.kind === 'client') {
          if (filter.communityId !== undefined && filter.communityId !== scope.communityId)
            return { interactions: [] };
          filter.communityId = scope.communityId;
        }
        const found = await services.interactions.list(filter);
        return { interactions: found.map((interaction) => interactionWithEventJson(interaction)) };
      },
    );

    const eventsSchema = {
      summary: 'Live console updates (server-sent events)',
      tags: TAGS,
      response: {
        200: {
          description: 'Server-sent events: a `snapshot`, then `interaction` and `status` events.',
          content: {
            'text/event-stream': {
              schema: Type.String({ description: '`event: snapshot|interaction|status`, `data:` JSON' }),
            },
          },
        },
        ...failures,
      },
    };
    app.get('/api/v1/console/events', { schema: eventsSchema }, async (request, reply) => {
      const scope = consoleScope(keys, request, reply);
      if (!scope) return reply;
      // HEAD: the stream's head only; a stream that sends no body would never end.
      if (request.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send('');
      const snapshot = await consoleSnapshot(services, scope, request.log);
      const stream = new EventStream(reply);
      open.add(stream);
      stream.send('snapshot', snapshot);
      const stop = follow(services, scope, stream, request.log, options);
      await stream.closed;
      stop();
      open.delete(stream);
    });
  };

/**
 * Sends `interaction` events for the changes the log reports (in the scope), and `status` events
 * after changes and every `statusEveryMs`. Returns the function that stops it.
 */
function follow(
  services: ConsoleApiDeps,
  scope: ConsoleScope,
  stream: EventStream,
  log: FastifyBaseLogger,
  options: ConsoleApiOptions,
): () => void {
  const changed = new Set<string>();
  let batch: NodeJS.Timeout | undefined;
  const sendStatus = async () => stream.send('status', await scopedStatus(services, scope, log));
  const flush = async () => {
    batch = undefined;
    const ids = [...changed];
    changed.clear();
    for (const id of ids) {
      const interaction = await services.interactions.get(id).catch(() => undefined);
      if (!interaction) continue;
      if (scope.kind === 'client' && interaction.event.communityId !== scope.communityId) continue;
      stream.send('interaction', interactionWithEventJson(interaction));
    }
    await sendStatus();
  };
  const unwatch = services.interactionFeed.watch((id) => {
    changed.add(id);
    batch ??= setTimeout(
      () => void flush().catch((error: unknown) => log.warn({ err: error }, 'console stream')),
      options.batchMs ?? BATCH_MS,
    );
  });
  const every = setInterval(
    () => void sendStatus().catch((error: unknown) => log.warn({ err: error }, 'console stream')),
    options.statusEveryMs ?? STATUS_EVERY_MS,
  );
  return () => {
    unwatch();
    clearTimeout(batch);
    clearInterval(every);
  };
}
