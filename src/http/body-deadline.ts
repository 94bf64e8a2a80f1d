import type { onRequestHookHandler } from 'fastify';
import { sendError } from './errors.js';

/**
 * A deadline for a request's body: a body still arriving `ms` after its headers is answered 408
 * in chatgate's error shape and its connection closed, so a client trickling one byte every few
 * seconds cannot hold a socket and a half-read body. (Node's own `requestTimeout` covers the
 * headers, but not a body once the request was handed to the app.) Only requests that announce a
 * body arm a timer; it is cleared when the body is complete.
 */
export function bodyDeadline(ms: number): onRequestHookHandler {
  return (request, reply, done) => {
    const raw = request.raw;
    const announcesBody =
      raw.headers['content-length'] !== undefined || raw.headers['transfer-encoding'] !== undefined;
    if (raw.complete || !announcesBody) {
      done();
      return;
    }
    const timer = setTimeout(() => {
      if (raw.complete || reply.sent) return;
      // The rest of the body is never read: close once the answer is out.
      reply.raw.once('finish', () => raw.socket?.destroy());
      void reply.header('connection', 'close');
      sendError(request, reply, 408, 'request_timeout', `the request body did not arrive within ${ms} ms`);
    }, ms);
    // A bound function, not an arrow: under tsx (keepNames) a named arrow costs an
    // Object.defineProperty per request, which showed in the gateway's profile.
    const clear = clearTimeout.bind(undefined, timer);
    raw.once('end', clear);
    raw.once('close', clear);
    done();
  };
}
