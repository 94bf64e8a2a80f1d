import { ShuttingDownError } from '../../core/errors.js';
import { OpenAIError } from './errors.js';

/** Seconds a refused or cut caller is told to wait: another instance can take the request at once. */
const RETRY_AFTER_SECONDS = 1;

/**
 * chatgate is closing, in OpenAI's shape: 503, `server_error`, code `shutting_down`, `retry-after: 1`.
 * @param cut true for a request that was running when the grace ended (its answer is lost or
 *   incomplete), false for one that arrived after the close began (nothing was done).
 */
export function shuttingDown(cut: boolean): OpenAIError {
  const message = cut
    ? 'chatgate is shutting down and this answer did not finish within its grace (SHUTDOWN_GRACE_MS); the answer is incomplete'
    : 'chatgate is shutting down and takes no new requests; send it again';
  return new OpenAIError(503, message, 'server_error', null, 'shutting_down', RETRY_AFTER_SECONDS);
}

/** `shuttingDown(true)` when `signal` was aborted by the shutdown (`Drain.cut`), else undefined. */
export function cutByShutdown(signal: AbortSignal): OpenAIError | undefined {
  return signal.aborted && signal.reason instanceof ShuttingDownError ? shuttingDown(true) : undefined;
}
