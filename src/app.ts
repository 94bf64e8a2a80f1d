import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { PlatformRoute, PlatformSocketRoute } from './core/platform.js';
import { KeyRing, requireAdmin, requireCaller } from './http/auth.js';
import { bodyDeadline } from './http/body-deadline.js';
import { answerClientError } from './http/client-error.js';
import { Drain } from './http/drain.js';
import { registerErrorHandling } from './http/errors.js';
import { answerFrameworkError, MAX_PARAM_CHARS } from './http/framework-errors.js';
import { documentAccess, registerOpenApi, SECURITY } from './http/openapi/register.js';
import { adminRoutes } from './http/routes/admin.js';
import { clientKeyRoutes } from './http/routes/client-keys.js';
import { communityRoutes } from './http/routes/communities.js';
import { communityTestRoutes } from './http/routes/community-test.js';
import { consoleApiRoutes } from './http/routes/console-api.js';
import { consoleBuildDir, consoleStaticRoutes } from './http/routes/console-static.js';
import { healthRoutes } from './http/routes/health.js';
import { interactionLogRoutes } from './http/routes/interaction-log.js';
import { interactionRoutes } from './http/routes/interactions.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { openAIRoutes } from './http/routes/openai.js';
import { pauseRoutes } from './http/routes/pause.js';
import { platformRoutes } from './http/routes/platform-routes.js';
import { platformSockets } from './http/routes/platform-sockets.js';
import { sessionRoutes } from './http/routes/sessions.js';
import { statusRoutes } from './http/routes/status.js';
import { usageRoutes } from './http/routes/usage.js';
import { socketAuthenticator } from './http/socket-auth.js';
import type { Services } from './services.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface AppOptions {
  /**
   * Routes the platforms describe: `admin` ones behind the admin key, `open` ones (webhooks, which
   * authenticate with their own secret) outside the bearer scope.
   */
  platformRoutes?: readonly PlatformRoute[];
  /** WebSocket routes the platforms describe (the web chat); they authenticate inside the socket. */
  platformSockets?: readonly PlatformSocketRoute[];
  /** Only `/health*` and `/metrics` (a `worker` role process: probes, no API). */
  probesOnly?: boolean;
}

/**
 * Builds the fastify app on top of `services`. It never listens: `main.ts` does, and tests drive it
 * with `app.inject`. Routes: interactions and status behind the API keys, admin behind the admin
 * key, health and metrics open, the OpenAI API and webhooks with their own auth. `app.drain`
 * refuses requests once `app.close()` has begun and cuts running completions (`Drain.cut`).
 */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    // One line per request, our own (onResponse below), instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_048_576,
    // Headers within REQUEST_BODY_TIMEOUT_MS, or 408 and the connection closed (the body: the
    // bodyDeadline hook below); Node looks for late headers every `connectionsCheckingInterval`
    // (30 s by default: too coarse).
    requestTimeout: services.config.server.requestBodyTimeoutMs,
    http: { connectionsCheckingInterval: Math.min(1000, services.config.server.requestBodyTimeoutMs) },
    clientErrorHandler: answerClientError,
    // Router refusals (a path parameter over MAX_PARAM_CHARS, bad percent-encoding) in our shape.
    routerOptions: { maxParamLength: MAX_PARAM_CHARS },
    frameworkErrors: answerFrameworkError,
    // While closing, requests are refused by `Drain` in each route's own error shape.
    return503OnClosing: false,
    // Keep the caller's request id when it sends a sane one, so logs join across services.
    genReqId: (request) => {
      const given = request.headers['x-request-id'] ?? request.headers['x-correlation-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  registerErrorHandling(app);
  const drain = new Drain();
  drain.register(app);
  app.decorate('drain', drain);
  app.addHook('onRequest', bodyDeadline(services.config.server.requestBodyTimeoutMs));
  const routes = options.platformRoutes ?? [];

  // Callback-style hooks: an async hook costs a promise per request on the hottest path.
  // One onSend hook for the whole app: each hook is a step of fastify's hook runner on every answer.
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    if (drain.isClosing) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const elapsedMs = reply.elapsedTime;
    // Labels as an object, not `.labels(…)`: that builds a child (two closures) on every call.
    const method = request.method;
    services.metrics.httpRequests.inc({ route, method, status: String(reply.statusCode) });
    services.metrics.httpDuration.observe({ route, method }, elapsedMs / 1000);
    if (route !== '/health' && route !== '/metrics') {
      request.log.info(
        {
          action: 'http',
          method: request.method,
          route,
          status: reply.statusCode,
          execution_time_ms: Math.round(elapsedMs * 100) / 100,
        },
        'request done',
      );
    }
    done();
  });

  // Response schemas document the answers (/openapi.json, /docs); bodies stay JSON.stringify's, as
  // without them: fast-json-stringify would drop each property a schema does not list.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // A worker serves its probes only: no API, so nothing to describe.
  if (!options.probesOnly) await registerOpenApi(app);

  await app.register(healthRoutes(services));
  await app.register(metricsRoutes(services));
  if (options.probesOnly) return app;
  const keys = new KeyRing(services.config.auth);
  await app.register(async (api) => {
    api.addHook('onRequest', requireCaller(keys, services.clientKeys.lookup));
    documentAccess(api, SECURITY.caller);
    await api.register(interactionRoutes(services));
    await api.register(statusRoutes(services));
    await api.register(consoleApiRoutes(services, keys));
  });
  await app.register(async (admin) => {
    admin.addHook('onRequest', requireAdmin(keys, services.clientKeys.lookup));
    documentAccess(admin, SECURITY.admin);
    await admin.register(adminRoutes(services));
    await admin.register(clientKeyRoutes(services));
    await admin.register(communityRoutes(services));
    await admin.register(communityTestRoutes(services));
    await admin.register(interactionLogRoutes(services));
    await admin.register(sessionRoutes(services));
    await admin.register(usageRoutes(services));
    await admin.register(pauseRoutes(services));
    await admin.register(platformRoutes(routes.filter((route) => route.access === 'admin')));
  });
  await app.register(openAIRoutes(services, keys, drain));
  await app.register(platformRoutes(routes.filter((route) => route.access === 'open')));
  await app.register(
    platformSockets(
      options.platformSockets ?? [],
      socketAuthenticator(keys, services.clientKeys.lookup, {
        quotas: services.clientKeys.quotas,
        metrics: services.metrics,
      }),
    ),
  );
  await app.register(consoleStaticRoutes(consoleBuildDir()));
  return app;
}
