/**
 * Why a call to a platform failed, as two named errors in the style of grammY (`GrammyError` when
 * the API answered with an error, `HttpError` when the network failed:
 * https://grammy.dev/guide/errors). Whether to try again is decided by the class and its code:
 * only a refusal with 429 or 5xx is worth another try; a network failure is not retried, since the
 * message may have arrived and a second send would show it twice. Texts never carry a token.
 */
import type { Platform } from '../chat-event.js';
import { ChatgateError } from '../errors.js';

/** The platform answered and refused the call (`error_code`, `description`, `retry_after`). */
export class PlatformRefusedError extends ChatgateError {
  override readonly name = 'PlatformRefusedError';
  /**
   * @param platform which platform refused.
   * @param method the API method or route, e.g. `sendMessage`.
   * @param errorCode the platform's error code: its HTTP status for the HTTP APIs.
   * @param description the platform's explanation, token removed.
   * @param retryAfterMs how long the platform asked us to wait, ms (`retry_after` seconds × 1000).
   */
  constructor(
    readonly platform: Platform,
    readonly method: string,
    readonly errorCode: number,
    readonly description: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(`${platform} ${method} failed: ${description}`, 'platform_refused', 502, options);
  }

  /** Whether the same call may pass later: 429 (too many requests) or a 5xx. */
  get retryable(): boolean {
    return this.errorCode === 429 || this.errorCode >= 500;
  }
}

/** The platform could not be reached: no answer came (DNS, refused connection, reset, timeout). */
export class PlatformUnreachableError extends ChatgateError {
  override readonly name = 'PlatformUnreachableError';
  /**
   * @param platform which platform was called.
   * @param method the API method or route, e.g. `sendMessage`.
   * @param description what the network layer said, token removed.
   */
  constructor(
    readonly platform: Platform,
    readonly method: string,
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(`${platform} ${method} failed: ${description}`, 'platform_unreachable', 502, options);
  }
}

/** A failed platform call, one of the pair. */
export type PlatformCallError = PlatformRefusedError | PlatformUnreachableError;
