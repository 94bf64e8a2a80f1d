import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Drain } from '../drain.js';

/**
 * The controller of a request's upstream work: aborted when the client goes away before its answer
 * is out, and (with `drain`) by the shutdown's cut when the grace ends (`stream` only says which
 * kind of answer it is, for that cut's log line).
 */
export function upstreamCancel(
  request: FastifyRequest,
  reply: FastifyReply,
  drain: Drain | undefined,
  stream: boolean,
): AbortController {
  const cancel = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) cancel.abort(new Error('client disconnected'));
  });
  drain?.track(request, reply, cancel, stream);
  return cancel;
}
