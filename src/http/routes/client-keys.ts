import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { NotFoundError } from '../../core/errors.js';
import { withoutUndefined } from '../../core/without-undefined.js';
import type { Services } from '../../services.js';
import type { ClientKey } from '../../stores/client-key-store.js';
import { newClientKey } from '../client-keys/key-material.js';
import { errors, noContent } from '../openapi/shapes.js';
import {
  ClientKeyBody,
  ClientKeyJson,
  clientKeyJson,
  parseClientKeyBody,
} from '../schemas/client-key-body.js';
import { guardEdgeInput, MAX_QUERY_OFFSET } from '../schemas/edge-input.js';

/** What these routes use of the services, and nothing more. */
export type ClientKeyRouteDeps = Pick<Services, 'clientKeys'>;

const KeyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const TAGS = ['Client keys'];
const CREATED = Type.Object(
  {
    ...ClientKeyJson.properties,
    key: Type.String({
      description: 'The key (`cg_…`, 43 chars), shown this once: only its SHA-256 is stored.',
    }),
  },
  { description: 'Created.' },
);

/**
 * Client keys of the gateway (admin key; issue 14):
 * - `POST /api/v1/keys` `{ name, community_id?, rpm?, daily_tokens?, expires_at? }` → 201 with the
 *   key (`cg_…`, 43 chars) shown this once; only its SHA-256 is stored. 400 naming each bad field.
 * - `GET /api/v1/keys?limit=&offset=`: `{ keys, total, limit, offset }`, newest first, never the key;
 * - `GET /api/v1/keys/:id`: one key (404 unknown), never the key;
 * - `DELETE /api/v1/keys/:id`: 204, refused at once on this instance and within
 *   `auth.clientKeyCacheMs` on the others; 404 unknown.
 * A key works on the OpenAI routes and the interaction routes as a `client` caller bound to its
 * community (`api:default` without one), within its `rpm` and `daily_tokens` (http/client-keys/).
 */
export const clientKeyRoutes = (services: ClientKeyRouteDeps): FastifyPluginAsync =>
  async function clientKeys(plain) {
    guardEdgeInput(plain);
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { store, lookup } = services.clientKeys;

    const create = {
      summary: 'Create a client key',
      tags: TAGS,
      documentedBody: ClientKeyBody,
      response: { 201: CREATED, ...errors(400, 401, 403, 503) },
    };
    app.post('/api/v1/keys', { schema: create }, async (request, reply) => {
      const now = Date.now();
      const wanted = parseClientKeyBody(request.body, now);
      const { key, keyHash, keyPrefix } = newClientKey();
      const stored: ClientKey = {
        id: randomUUID(),
        keyHash,
        keyPrefix,
        createdAt: now,
        ...withoutUndefined(wanted),
      };
      await store.create(stored);
      // The id and prefix only: the key is in the answer and nowhere else.
      request.log.info(
        { action: 'client_key', result: 'created', client_key: stored.id, key_prefix: keyPrefix },
        'client key created',
      );
      return reply.code(201).send({ ...clientKeyJson(stored), key });
    });

    app.get(
      '/api/v1/keys',
      {
        schema: {
          querystring: Type.Object({
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            offset: Type.Integer({ minimum: 0, maximum: MAX_QUERY_OFFSET, default: 0 }),
          }),
          summary: 'List the client keys, newest first (never the keys)',
          tags: TAGS,
          response: {
            200: Type.Object(
              {
                keys: Type.Array(ClientKeyJson),
                total: Type.Integer(),
                limit: Type.Integer(),
                offset: Type.Integer(),
              },
              { description: 'One page.' },
            ),
            ...errors(400, 401, 403, 503),
          },
        },
      },
      async (request) => {
        const page = await store.list(request.query);
        return {
          keys: page.items.map(clientKeyJson),
          total: page.total,
          limit: request.query.limit,
          offset: request.query.offset,
        };
      },
    );

    const read = {
      params: KeyParams,
      summary: 'Read a client key (never the key)',
      tags: TAGS,
      response: { 200: ClientKeyJson, ...errors(400, 401, 403, 404, 503) },
    };
    app.get('/api/v1/keys/:id', { schema: read }, async (request) => {
      const key = await store.get(request.params.id);
      if (!key) throw new NotFoundError(`no client key ${request.params.id}`);
      return clientKeyJson(key);
    });

    const revoke = {
      params: KeyParams,
      summary: 'Revoke a client key',
      description: 'Refused at once on this instance, within `auth.clientKeyCacheMs` on the others.',
      tags: TAGS,
      response: { 204: noContent('Revoked.'), ...errors(400, 401, 403, 404, 503) },
    };
    app.delete('/api/v1/keys/:id', { schema: revoke }, async (request, reply) => {
      const { id } = request.params;
      const deleted = await store.delete(id);
      lookup.forget(id);
      if (!deleted) throw new NotFoundError(`no client key ${id}`);
      request.log.info({ action: 'client_key', result: 'deleted', client_key: id }, 'client key deleted');
      return reply.code(204).send();
    });
  };
