import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * On the OpenAI routes (`addServerTiming`): time spent waiting on the provider chain
     * (`timeUpstream`), ms; 0 when none was asked.
     */
    upstreamMs?: number;
  }
}

/** ms with two decimals: sub-millisecond overhead is what the figure is for. */
const ms = (value: number) => Math.round(Math.max(0, value) * 100) / 100;

/**
 * Runs `work` (a call to the provider chain or a provider) and adds how long it took to
 * `request.upstreamMs`, whether it succeeds or throws.
 */
export async function timeUpstream<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    request.upstreamMs = (request.upstreamMs ?? 0) + performance.now() - started;
  }
}

/**
 * A `Server-Timing` value (W3C Server Timing: metric names with `dur` in ms):
 * `upstream;dur=<ms>, chatgate;dur=<ms>`, where `upstream` is the time spent in the provider chain
 * so far (for a stream: to its first delta) and `chatgate` is `totalMs` minus that.
 * @param totalMs how long the request has taken so far (fastify's `reply.elapsedTime`).
 */
export function serverTiming(request: FastifyRequest, totalMs: number): string {
  const upstream = request.upstreamMs ?? 0;
  return `upstream;dur=${ms(upstream)}, chatgate;dur=${ms(totalMs - upstream)}`;
}

/**
 * Adds `Server-Timing` to every answer `app` sends (a hijacked stream sets it itself, see
 * `serverTiming`). Register inside the plugin whose routes it covers.
 */
export function addServerTiming(app: FastifyInstance): void {
  app.decorateRequest('upstreamMs', 0);
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('server-timing', serverTiming(request, reply.elapsedTime));
    done(null, payload);
  });
}
