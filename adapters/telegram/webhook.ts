/**
 * Webhook mode without an HTTP framework: the adapter hands the HTTP layer a path and a `handle`
 * function; the HTTP layer (src/http/routes/telegram-webhook.ts) mounts `POST <path>` and passes
 * the parsed body and the `X-Telegram-Bot-Api-Secret-Token` header.
 * Telegram sends that header with the `secret_token` given to `setWebhook`
 * (https://core.telegram.org/bots/api#setwebhook): 1-256 characters of `A-Z a-z 0-9 _ -`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What the adapter's `webhook()` gives the HTTP layer. */
export interface TelegramWebhookHandler {
  /** The path of `TELEGRAM_WEBHOOK_URL`, e.g. `/telegram/webhook`. */
  readonly path: string;
  /**
   * Checks the secret header alone, before the body is read: 401 without one, 403 for a wrong one,
   * undefined when it matches.
   */
  refuse(secretHeader: string | undefined): { status: 401 | 403 } | undefined;
  /**
   * Checks the secret and feeds one Update to the bot. Statuses: 200 handled; 400 the body is not
   * an Update; 401 no secret header; 403 a wrong secret; 503 the adapter is not running (Telegram
   * retries later).
   */
  handle(update: unknown, secretHeader: string | undefined): Promise<{ status: number }>;
}

/** Compares two secrets in time that does not depend on where they differ (nor on their lengths). */
export function secretMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * The webhook secret to use when `TELEGRAM_WEBHOOK_SECRET` is unset: derived from the bot token
 * (HMAC-SHA256, 64 hex characters), so it is the same across restarts and replicas and reveals
 * nothing about the token.
 */
export function derivedWebhookSecret(token: string): string {
  return createHmac('sha256', token).update('chatgate telegram webhook secret').digest('hex');
}

/** Whether `body` looks like an Update: an object with an integer `update_id`. */
export function isUpdate(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    Number.isSafeInteger((body as { update_id?: unknown }).update_id)
  );
}

/**
 * Builds the handler. `running` tells whether updates are accepted now; `feed` hands one to the
 * bot (telegraf's `handleUpdate`).
 */
export function createWebhookHandler(
  path: string,
  secret: string,
  running: () => boolean,
  feed: (update: unknown) => Promise<void>,
): TelegramWebhookHandler {
  const refuse = (secretHeader: string | undefined) => {
    if (secretHeader === undefined || secretHeader === '') return { status: 401 as const };
    return secretMatches(secret, secretHeader) ? undefined : { status: 403 as const };
  };
  return {
    path,
    refuse,
    async handle(update, secretHeader) {
      const refused = refuse(secretHeader);
      if (refused) return refused;
      if (!running()) return { status: 503 };
      if (!isUpdate(update)) return { status: 400 };
      await feed(update);
      return { status: 200 };
    },
  };
}
