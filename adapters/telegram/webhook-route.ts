/**
 * `POST <path of TELEGRAM_WEBHOOK_URL>`: Telegram's webhook (https://core.telegram.org/bots/api#setwebhook).
 * Open (no bearer key): Telegram authenticates with the `X-Telegram-Bot-Api-Secret-Token` header.
 * 200 has an empty body (a JSON body would be read by Telegram as a method call); failures
 * chatgate's error body.
 */
import Type from 'typebox';
import type { PlatformRequest, PlatformResponse, PlatformRoute } from '../../src/core/platform.js';
import type { TelegramWebhookHandler } from './webhook.js';

const FAILURES: Record<number, [code: string, detail: string]> = {
  400: ['validation_error', 'the body is not a Telegram Update'],
  401: ['unauthorized', 'missing X-Telegram-Bot-Api-Secret-Token'],
  403: ['forbidden', 'wrong X-Telegram-Bot-Api-Secret-Token'],
  503: ['unavailable', 'the Telegram adapter is not running'],
};

/** The secret header Telegram sends with each Update. */
function secretOf(headers: PlatformRequest['headers']): string | undefined {
  const header = headers['x-telegram-bot-api-secret-token'];
  return Array.isArray(header) ? header[0] : header;
}

function failure(status: number): PlatformResponse {
  const [code, detail] = FAILURES[status] ?? ['telegram_webhook_error', 'the update was not handled'];
  return { status, error: { code, detail, ...(status === 503 ? { retryAfterSeconds: 5 } : {}) } };
}

/**
 * The webhook route over `handler` (the adapter's `webhook()`); the secret is checked before the
 * body is read.
 */
export function telegramWebhookRoute(handler: TelegramWebhookHandler): PlatformRoute {
  return {
    method: 'POST',
    url: handler.path,
    access: 'open',
    bodyLimit: 1_048_576,
    docs: {
      summary: "Telegram's webhook: one Update per request",
      description:
        'Called by Telegram, authenticated by the `X-Telegram-Bot-Api-Secret-Token` header (`TELEGRAM_WEBHOOK_SECRET`), not a Bearer key. The path is that of `TELEGRAM_WEBHOOK_URL`.',
      // https://core.telegram.org/bots/api#update
      body: Type.Object(
        { update_id: Type.Integer() },
        {
          additionalProperties: true,
          description: 'A Telegram Update (https://core.telegram.org/bots/api#update).',
        },
      ),
      answers: { 200: null },
      failures: Object.fromEntries(
        Object.entries(FAILURES).map(([status, [, detail]]) => [Number(status), detail]),
      ),
    },
    authorize(request) {
      const refused = handler.refuse(secretOf(request.headers));
      return refused && failure(refused.status);
    },
    async handle(request) {
      const { status } = await handler.handle(request.body, secretOf(request.headers));
      return status >= 200 && status < 300 ? { status } : failure(status);
    },
  };
}
