/**
 * The API description: OpenAPI 3.1 generated from the route schemas by @fastify/swagger, served at
 * `GET /openapi.json`, and a browsable reference at `/docs` (@fastify/swagger-ui, whose assets the
 * plugin serves itself: no CDN, works offline). Both are open and hold no secret: the document
 * names the security schemes, never a key.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { TSchema } from 'typebox';
import { nameTitledSchemas } from './components.js';

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The request body as documented in /openapi.json, for the routes that read their body
     * themselves (to name every bad field, or to answer in OpenAI's error shape): fastify does
     * not validate against it.
     */
    documentedBody?: TSchema;
  }
}

/** Where the reference is served. */
export const DOCS_PREFIX = '/docs';
/** Where the document is served. */
export const OPENAPI_PATH = '/openapi.json';

/** Security requirements, by the schemes of `SECURITY_SCHEMES` (any one of a list suffices). */
export const SECURITY = {
  /** The API routes: a caller key, or the admin key. */
  caller: [{ callerKey: [] }, { adminKey: [] }],
  /** The admin routes: the admin key only. */
  admin: [{ adminKey: [] }],
  /** `METRICS_TOKEN` or the admin key; nothing while METRICS_TOKEN is unset (`{}`). */
  metrics: [{ metricsToken: [] }, { adminKey: [] }, {}],
  /** No key (health probes, webhooks that authenticate with their own secret). */
  open: [],
} as const satisfies Record<string, readonly Record<string, readonly string[]>[]>;

const SECURITY_SCHEMES = {
  callerKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An integration key (`CHATGATE_API_KEYS`), a static client key (`CHATGATE_CLIENT_KEYS`) or a stored client key (`cg_…`, from `POST /api/v1/keys`). With no key configured at all, the API routes are open and chatgate listens on 127.0.0.1 only.',
  },
  adminKey: {
    type: 'http',
    scheme: 'bearer',
    description: '`CHATGATE_ADMIN_KEY`: every route, the admin routes only with it.',
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: '`METRICS_TOKEN`, for `GET /metrics` when it is set (the admin key works too).',
  },
} as const;

/** name, version and description of chatgate's package.json (the nearest one up from this file). */
function packageInfo(): { title: string; version: string; description?: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      return {
        title: String(pkg.name ?? 'chatgate'),
        version: String(pkg.version ?? '0.0.0'),
        ...(typeof pkg.description === 'string' ? { description: pkg.description } : {}),
      };
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return { title: 'chatgate', version: '0.0.0' };
      dir = parent;
    }
  }
}

/** A route's schema as documented: `documentedBody` as its body. */
function documented(schema: FastifySchema | undefined): FastifySchema {
  if (!schema?.documentedBody) return schema ?? {};
  const { documentedBody, ...rest } = schema;
  return { ...rest, body: documentedBody };
}

/**
 * Registers @fastify/swagger (OpenAPI 3.1.0) and @fastify/swagger-ui at `/docs`, and serves the
 * document at `/openapi.json`. Call it before any route: the document lists the routes registered
 * after it (each with its `security`, see `documentAccess`).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: packageInfo(),
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: ({ schema, url }) => ({ schema: documented(schema as FastifySchema | undefined), url }),
    // Always an OpenAPI document here (the `openapi` option), never a Swagger 2 one.
    transformObject: (document) =>
      'openapiObject' in document ? nameTitledSchemas(document.openapiObject) : document.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}

/**
 * Documents the routes registered in `scope` from now on as behind `security` (what its auth hook
 * enforces), unless a route names its own.
 */
export function documentAccess(scope: FastifyInstance, security: FastifySchema['security']): void {
  scope.addHook('onRoute', (route) => {
    if (route.schema?.security) return;
    route.schema = { ...route.schema, security };
  });
}
