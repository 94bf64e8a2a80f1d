/**
 * `POST <path of TELEGRAM_WEBHOOK_URL>`: Telegram's webhook (https://core.telegram.org/bots/api#setwebhook).
 * Open (no bearer key): Telegram authenticates with the `X-Telegram-Bot-Api-Secret-Token` header.
 * 200 has an empty body (a JSON body would be read by Telegram as a method call); failures
 * chatgate's error body.
 */
import type { PlatformRoute } from '../../src/core/platform.js';
import type { TelegramWebhookHandler } from './webhook.js';

const FAILURES: Record<number, [code: string, detail: string]> = {
  400: ['validation_error', 'the body is not a Telegram Update'],
  401: ['unauthorized', 'missing X-Telegram-Bot-Api-Secret-Token'],
  403: ['forbidden', 'wrong X-Telegram-Bot-Api-Secret-Token'],
  503: ['unavailable', 'the Telegram adapter is not running'],
};

/** The webhook route over `handler` (the adapter's `webhook()`). */
export function telegramWebhookRoute(handler: TelegramWebhookHandler): PlatformRoute {
  return {
    method: 'POST',
    url: handler.path,
    access: 'open',
    bodyLimit: 1_048_576,
    async handle(request) {
      const header = request.headers['x-telegram-bot-api-secret-token'];
      const { status } = await handler.handle(request.body, Array.isArray(header) ? header[0] : header);
      if (status >= 200 && status < 300) return { status };
      const [code, detail] = FAILURES[status] ?? ['telegram_webhook_error', 'the update was not handled'];
      return { status, error: { code, detail, ...(status === 503 ? { retryAfterSeconds: 5 } : {}) } };
    },
  };
}
