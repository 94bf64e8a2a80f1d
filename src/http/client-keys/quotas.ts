import type { ClientKey } from '../../stores/client-key-store.js';
import type { KeyStore } from '../../stores/key-store.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Which limit refused a request, as OpenAI's 429 names it in `error.type`. */
export type QuotaKind = 'requests' | 'tokens';

/** A request over a key's limit: which one, a sentence for the caller, and when to retry. */
export interface QuotaRefusal {
  kind: QuotaKind;
  message: string;
  /** Whole seconds until the limit's window resets (`retry-after`), at least 1. */
  retryAfterS: number;
}

/** What `admit` decided: OpenAI's `x-ratelimit-*` headers of the key's limits, and a refusal if over. */
export interface QuotaDecision {
  /** Only the limits the key has (`-requests` with `rpm`, `-tokens` with `daily_tokens`). */
  headers: Record<string, string>;
  refusal?: QuotaRefusal;
}

/**
 * A duration as OpenAI's `x-ratelimit-reset-*` headers write it (Go's style): `250ms`, `20s`,
 * `6m0s`, `13h5m2s`.
 */
export function resetText(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * The per-key limits of stored client keys (issue 14): `rpm` requests per calendar minute and
 * `daily_tokens` tokens per UTC day. Requests are counted with `KeyStore.increment` (Redis when
 * `REDIS_URL` is set, so every instance shares the count; in process otherwise); tokens are what
 * the usage meter counted for the key today (`tokensToday`: every answer of the OpenAI routes and
 * of the interactions the key posted, from the provider's `usage` or estimated, streams included).
 * A request is refused when the key's tokens of today
 * already reach its limit, or when it is over `rpm` in this minute; a refused request still counts
 * toward `rpm` (as OpenAI's does), a request refused for tokens does not. Since the token check
 * happens before the answer, a day's total can pass the limit by the answers that were under way.
 * Windows are fixed (a minute, a UTC day), so a burst across a boundary may reach twice `rpm`.
 */
export class ClientKeyQuotas {
  constructor(
    private readonly counters: KeyStore,
    /** Prompt + completion tokens key `keyId` used this UTC day (the usage meter's key scope). */
    private readonly tokensToday: (keyId: string) => Promise<number>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one request of `key` and says whether it may go on, with the headers to send either way.
   * @throws whatever the counters throw (the failover key store and token counter do not).
   */
  async admit(key: ClientKey): Promise<QuotaDecision> {
    const headers: Record<string, string> = {};
    const now = this.now();
    if (key.dailyTokens !== undefined) {
      const used = await this.tokensToday(key.id);
      const resetMs = DAY_MS - (now % DAY_MS);
      headers['x-ratelimit-limit-tokens'] = String(key.dailyTokens);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, key.dailyTokens - used));
      headers['x-ratelimit-reset-tokens'] = resetText(resetMs);
      if (used >= key.dailyTokens) {
        const retryAfterS = Math.max(1, Math.ceil(resetMs / 1000));
        return {
          headers,
          refusal: {
            kind: 'tokens',
            retryAfterS,
            message: `Rate limit reached for tokens per day (TPD) of this key: Limit ${key.dailyTokens}, Used ${used}. Please try again in ${resetText(resetMs)}.`,
          },
        };
      }
    }
    if (key.rpm !== undefined) {
      const minute = Math.floor(now / MINUTE_MS);
      const count = await this.counters.increment(`clientkey:rpm:${key.id}:${minute}`, MINUTE_MS);
      Object.assign(headers, this.requestHeaders(key.rpm, count, now));
      if (count > key.rpm) {
        const resetMs = MINUTE_MS - (now % MINUTE_MS);
        return {
          headers,
          refusal: {
            kind: 'requests',
            retryAfterS: Math.max(1, Math.ceil(resetMs / 1000)),
            message: `Rate limit reached for requests per min (RPM) of this key: Limit ${key.rpm}, Used ${count - 1}, Requested 1. Please try again in ${resetText(resetMs)}.`,
          },
        };
      }
    }
    return { headers };
  }

  private requestHeaders(rpm: number, count: number, now: number): Record<string, string> {
    return {
      'x-ratelimit-limit-requests': String(rpm),
      'x-ratelimit-remaining-requests': String(Math.max(0, rpm - count)),
      'x-ratelimit-reset-requests': resetText(MINUTE_MS - (now % MINUTE_MS)),
    };
  }
}
