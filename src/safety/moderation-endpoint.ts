import { request } from 'undici';

/** What a moderation endpoint said about a text. */
export type ModerationVerdict =
  | { kind: 'allowed' }
  | { kind: 'flagged' }
  /** No usable answer: `timeout`, `connection`, `HTTP 503`, `bad answer`. */
  | { kind: 'unavailable'; why: string };

/** Options of a `ModerationEndpoint`. */
export interface ModerationEndpointOptions {
  /** How long one check may take, ms (`safety.moderation.moderationTimeoutMs`). */
  timeoutMs: number;
  /** Sent as `Authorization: Bearer <apiKey>` (`MODERATION_API_KEY`); never logged. */
  apiKey?: string;
}

/**
 * Asks an OpenAI-compatible moderation endpoint about one text: `POST <url>` (the full URL of a
 * `…/v1/moderations`) with `{ "input": text }`, and reads `results[0].flagged` of the
 * CreateModerationResponse (platform.openai.com/docs/api-reference/moderations/create). Any other
 * answer (an error status, a body without that boolean), a failed connection or the timeout is
 * `unavailable`: whether that lets the text through is the community's choice
 * (`moderationFailOpen`), made by the caller.
 */
export class ModerationEndpoint {
  constructor(private readonly options: ModerationEndpointOptions) {}

  /**
   * The verdict on `input`. Never rejects for the endpoint's faults.
   * @throws the reason of `signal` when it aborts (the interaction was cut): no verdict is due then.
   */
  async check(url: string, input: string, signal?: AbortSignal): Promise<ModerationVerdict> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'chatgate',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ input }),
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        return { kind: 'unavailable', why: `HTTP ${response.statusCode}` };
      }
      const body = (await response.body.json().catch(() => undefined)) as
        | { results?: { flagged?: unknown }[] }
        | undefined;
      const flagged = Array.isArray(body?.results) ? body.results[0]?.flagged : undefined;
      if (typeof flagged !== 'boolean') return { kind: 'unavailable', why: 'bad answer' };
      return { kind: flagged ? 'flagged' : 'allowed' };
    } catch {
      if (signal?.aborted) throw signal.reason;
      return { kind: 'unavailable', why: deadline.aborted ? 'timeout' : 'connection' };
    }
  }
}
