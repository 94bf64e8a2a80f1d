import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { Agent, request } from 'undici';
import { CallbackTargetError, CallbackTargetPolicy } from './callback-target.js';

/** The body POSTed to a caller's callback URL (the WaddleBot router's response shape). */
export interface CallbackBody {
  interaction_id: string;
  session_id: string | null;
  event_id: string;
  platform: string;
  channel_id: string;
  success: boolean;
  response_action: 'chat';
  response_data: { message: string };
  error?: string;
  /**
   * Set when moderation stopped the model's answer (`blocked_term`, `link`, `moderation`,
   * `moderation_unavailable`): `response_data.message` is then the community's blocked reply, or ''.
   */
  blocked?: string;
  processing_time_ms: number;
}

class CallbackStatusError extends Error {
  constructor(readonly status: number) {
    super(`callback answered HTTP ${status}`);
  }
}

/**
 * Worth another try: the network failed, the receiver timed out, or answered 408/429/5xx. A target
 * the rule refuses stays refused.
 */
const retryable = handleWhen((error) => {
  if (isTargetRefusal(error)) return false;
  if (!(error instanceof CallbackStatusError)) return true;
  return error.status === 408 || error.status === 429 || error.status >= 500;
});

/** True for a CallbackTargetError, also when the HTTP client wrapped it as the cause of its own. */
function isTargetRefusal(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; depth++) {
    if (cause instanceof CallbackTargetError) return true;
    cause = cause.cause;
  }
  return false;
}

/** Options of a `CallbackSender`. */
export interface CallbackSenderOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Per attempt, ms. */
  timeoutMs: number;
  /** First delay between attempts, ms (500 by default). */
  initialDelayMs?: number;
  /** Where callbacks may go; by default no loopback, private or link-local address at all. */
  targets?: CallbackTargetPolicy;
}

/**
 * POSTs replies to callback URLs, with exponential backoff between attempts. Redirects are never
 * followed (a 3xx is a refusal), and a URL outside the operator's exemptions connects only to
 * addresses its `targets` policy allows, checked on the address actually resolved at send time.
 */
export class CallbackSender {
  private readonly policy;
  private readonly targets: CallbackTargetPolicy;
  /** Connects through the policy's lookup: every resolved address is checked before connecting. */
  private readonly guarded: Agent;

  constructor(private readonly options: CallbackSenderOptions) {
    this.policy = retry(retryable, {
      maxAttempts: options.maxAttempts - 1,
      backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 500, maxDelay: 10_000 }),
    });
    this.targets = options.targets ?? new CallbackTargetPolicy();
    // The connect timeout bounds the lookup too: an attempt's abort signal does not end a
    // connection that is still resolving.
    this.guarded = new Agent({
      connect: { lookup: this.targets.connectLookup, timeout: options.timeoutMs },
    });
  }

  /**
   * Delivers `body` to `url`, with the header `Idempotency-Key: <interaction_id>`: delivery is
   * at least once (a retry after a lost answer, or a job re-run after its worker died), so a
   * receiver drops a key it has already seen.
   * @throws the last error (a network error, or `callback answered HTTP <status>`) when every
   *   attempt failed or the receiver refused it with a 3xx or 4xx; a CallbackTargetError (not
   *   retried) when the URL points, or resolves, where callbacks may not go.
   */
  async send(url: string, body: CallbackBody, signal?: AbortSignal): Promise<void> {
    // The operator's URL goes as configured; any other resolves through the policy's lookup.
    const operatorUrl = this.targets.isOperatorUrl(url);
    this.targets.checkLiteral(url);
    await this.policy.execute(async ({ signal: attemptSignal }) => {
      const deadline = AbortSignal.timeout(this.options.timeoutMs);
      const response = await request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'chatgate',
          'idempotency-key': body.interaction_id,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.any([attemptSignal, deadline]),
        ...(operatorUrl ? {} : { dispatcher: this.guarded }),
      });
      await response.body.dump();
      if (response.statusCode < 200 || response.statusCode >= 300) {
        throw new CallbackStatusError(response.statusCode);
      }
    }, signal);
  }
}
