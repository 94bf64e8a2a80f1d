import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';

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
  processing_time_ms: number;
}

class CallbackStatusError extends Error {
  constructor(readonly status: number) {
    super(`callback answered HTTP ${status}`);
  }
}

/** Worth another try: the network failed, the receiver timed out, or answered 408/429/5xx. */
const retryable = handleWhen(
  (error) =>
    !(error instanceof CallbackStatusError) ||
    error.status === 408 ||
    error.status === 429 ||
    error.status >= 500,
);

/**
 * POSTs replies to callback URLs, with exponential backoff between attempts.
 * @param maxAttempts attempts in all; @param timeoutMs per attempt.
 */
export class CallbackSender {
  private readonly policy;

  constructor(private readonly options: { maxAttempts: number; timeoutMs: number; initialDelayMs?: number }) {
    this.policy = retry(retryable, {
      maxAttempts: options.maxAttempts - 1,
      backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 500, maxDelay: 10_000 }),
    });
  }

  /**
   * Delivers `body` to `url`, with the header `Idempotency-Key: <interaction_id>`: delivery is
   * at least once (a retry after a lost answer, or a job re-run after its worker died), so a
   * receiver drops a key it has already seen.
   * @throws the last error (a network error, or `callback answered HTTP <status>`) when every
   *   attempt failed or the receiver refused it with a 4xx.
   */
  async send(url: string, body: CallbackBody, signal?: AbortSignal): Promise<void> {
    await this.policy.execute(async ({ signal: attemptSignal }) => {
      const deadline = AbortSignal.timeout(this.options.timeoutMs);
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'chatgate',
          'idempotency-key': body.interaction_id,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.any([attemptSignal, deadline]),
      });
      await response.body?.cancel();
      if (!response.ok) throw new CallbackStatusError(response.status);
    }, signal);
  }
}
