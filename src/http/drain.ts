import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ShuttingDownError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's graceful close (`buildApp`): `cut()` when the grace is over. */
    drain: Drain;
  }
}

/** Work that the end of the grace cuts: a request and the controller of what it waits on. */
interface Tracked {
  request: FastifyRequest;
  reply: FastifyReply;
  cancel: AbortController;
  stream: boolean;
}

/** Resolves when `tracked`'s answer has ended (its response closed). */
function ended({ reply }: Tracked): Promise<void> {
  const res = reply.raw;
  return res.closed ? Promise.resolve() : new Promise((resolve) => res.once('close', () => resolve()));
}

/**
 * The HTTP side of a graceful close. Once `app.close()` has begun (fastify's `preClose`):
 * - a new request, on a connection that was open before, is refused with `ShuttingDownError`
 *   (503, in the shape of the route's own error handler: OpenAI's on the OpenAI API), and every
 *   answer says `connection: close` (the app's onSend hook sets it: `isClosing`);
 * - each connection is closed as soon as its answer is out, so `app.close()` resolves when the
 *   last running request ends rather than when an idle keep-alive socket times out (72 s);
 * - `cut()`, called when the grace is over, aborts the tracked work (long model calls) with a
 *   `ShuttingDownError` as the abort reason, so their routes can still answer (503, or an error
 *   event on a started stream), and logs each once.
 * Requires `return503OnClosing: false` on the fastify instance (fastify's own 503 has its own shape).
 */
export class Drain {
  private closing = false;

  /**
   * Whether `app.close()` has begun. Every answer sent from then on must say `connection: close`:
   * the app's one onSend hook (`buildApp`) asks this rather than a hook of its own, on every answer.
   */
  get isClosing(): boolean {
    return this.closing;
  }
  private readonly running = new Set<Tracked>();

  /** Adds the hooks to `app` (the root instance, before any route, so it refuses before auth). */
  register(app: FastifyInstance): void {
    const server = app.server;
    app.addHook('preClose', (done) => {
      this.closing = true;
      done();
    });
    app.addHook('onRequest', (_request, _reply, done) => {
      done(this.closing ? new ShuttingDownError() : undefined);
    });
    app.addHook('onResponse', (_request, _reply, done) => {
      // An answer sent with keep-alive before the close began leaves its socket idle: close it now.
      // (A stream's response ends here too, hijacked or not.)
      if (this.closing) setImmediate(() => server.closeIdleConnections());
      done();
    });
  }

  /**
   * Tracks a request whose work `cut()` may abort; it is forgotten when its response closes.
   * @param reply its reply: the request is forgotten when `reply.raw` closes.
   * @param cancel aborted by `cut()` with a `ShuttingDownError` as its reason.
   * @param stream whether the answer is a stream (for the log line).
   */
  track(request: FastifyRequest, reply: FastifyReply, cancel: AbortController, stream: boolean): void {
    const res = reply.raw;
    if (res.closed) return;
    const tracked: Tracked = { request, reply, cancel, stream };
    this.running.add(tracked);
    // One listener and no promise per request (this is every OpenAI call); `cut` makes its own.
    res.once('close', () => this.running.delete(tracked));
  }

  /**
   * The grace is over: aborts every tracked request's work (each answers for itself: a 503, or an
   * error event that ends its stream), logs each once at warn with its request id, route and how
   * long it ran, and resolves when their answers have ended or after `settleMs`.
   * @returns how many requests were cut.
   */
  async cut(settleMs: number): Promise<number> {
    const cut = [...this.running];
    for (const { request, reply, cancel, stream } of cut) {
      request.log.warn(
        {
          action: 'shutdown',
          method: request.method,
          route: request.routeOptions.url,
          stream,
          ran_ms: Math.round(reply.elapsedTime),
        },
        'request still running when the shutdown grace ended: cut (a 503, or an error event ending its stream)',
      );
      cancel.abort(new ShuttingDownError());
    }
    if (cut.length === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(cut.map(ended)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, settleMs);
      }),
    ]);
    clearTimeout(timer);
    return cut.length;
  }
}
