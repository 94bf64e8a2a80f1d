import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
} from 'fastify';
import type { PlatformResponse, PlatformRoute, PlatformRouteDocs } from '../../core/platform.js';
import { sendError } from '../errors.js';
import { SECURITY } from '../openapi/register.js';
import { errorBody, noContent } from '../openapi/shapes.js';

/**
 * Mounts routes that platform descriptors describe (Telegram's webhook, Twitch's channel join and
 * part): params validated against the route's schema (400 naming the field), the answer or the
 * failure in chatgate's error shape. An empty 2xx has no body at all (Telegram reads a JSON body of
 * a webhook answer as a method call). A route's `authorize` runs on the headers, before the body is
 * read. Access control is the caller's: register admin routes in the admin scope, open ones outside.
 */
export const platformRoutes = (routes: readonly PlatformRoute[]): FastifyPluginAsync =>
  async function platformRoutesPlugin(app) {
    for (const route of routes) {
      if (route.rawBody) {
        // Its own scope: only this route reads bodies as text, whatever their content type.
        await app.register(async (scope) => {
          scope.removeAllContentTypeParsers();
          scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
          mount(scope, route);
        });
      } else {
        mount(app, route);
      }
    }
  };

/** What a route has when it documents nothing: chatgate's error shape on a failure. */
const UNDOCUMENTED: PlatformRouteDocs = {
  summary: 'A platform route',
  answers: {},
  failures: { 400: 'A bad request.', 404: 'Not configured.' },
};

/** The route's schema: its params (validated) and its docs (`documentedBody`, `response`). */
function schemaOf(route: PlatformRoute) {
  const docs = route.docs ?? UNDOCUMENTED;
  const answers = Object.entries(docs.answers).map(([status, answer]) => [
    status,
    answer === null
      ? noContent()
      : 'mediaType' in answer
        ? { description: 'The answer.', content: { [answer.mediaType]: { schema: answer.schema } } }
        : answer,
  ]);
  const failures = Object.entries(docs.failures).map(([status, meaning]) => [status, errorBody(meaning)]);
  return {
    ...(route.params ? { params: route.params } : {}),
    ...(route.query ? { querystring: route.query } : {}),
    // A body schema the route declares is validated (a 400 names the field); `docs.body` only describes.
    ...(route.body ? { body: route.body } : docs.body ? { documentedBody: docs.body } : {}),
    summary: docs.summary,
    ...(docs.description ? { description: docs.description } : {}),
    tags: ['Platforms'],
    response: Object.fromEntries([...answers, ...failures]),
    // Open routes authenticate the caller themselves; admin ones are documented by their scope.
    ...(route.access === 'open' ? { security: SECURITY.open } : {}),
  };
}

function mount(app: FastifyInstance, route: PlatformRoute): void {
  app.route({
    method: route.method,
    url: route.url,
    schema: schemaOf(route),
    ...(route.bodyLimit ? { bodyLimit: route.bodyLimit } : {}),
    ...(route.authorize ? { onRequest: authorizeWith(route) } : {}),
    handler: async (request, reply) => {
      const answer = await route.handle({
        params: request.params as Record<string, string>,
        query: (request.query ?? {}) as Record<string, string | string[] | undefined>,
        body: request.body,
        headers: request.headers,
      });
      return answerWith(request, reply, answer);
    },
  });
}

/** An onRequest hook that runs the route's `authorize` on the headers; its answer ends the request. */
function authorizeWith(route: PlatformRoute): onRequestHookHandler {
  return (request, reply, done) => {
    const params = request.params as Record<string, string>;
    const refused = route.authorize?.({ params, headers: request.headers });
    if (!refused) {
      done();
      return;
    }
    // The body is never read: close the connection rather than drain what the caller still sends.
    void reply.header('connection', 'close');
    answerWith(request, reply, refused);
  };
}

function answerWith(request: FastifyRequest, reply: FastifyReply, answer: PlatformResponse): FastifyReply {
  if ('error' in answer) {
    const { code, detail, retryAfterSeconds } = answer.error;
    return sendError(request, reply, answer.status, code, detail, retryAfterSeconds);
  }
  return answer.body === undefined
    ? reply.code(answer.status).send()
    : reply.code(answer.status).send(answer.body);
}
