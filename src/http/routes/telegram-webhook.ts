import type { FastifyPluginAsync } from 'fastify';
import { sendError } from '../errors.js';

/**
 * What the Telegram adapter's `webhook()` returns (adapters/telegram/webhook.ts). Declared here by
 * shape, so the HTTP layer never imports an adapter.
 */
export interface TelegramWebhookHandler {
  /** Where to mount `POST`, e.g. `/telegram/webhook` (the path of `TELEGRAM_WEBHOOK_URL`). */
  readonly path: string;
  /** Checks the secret, handles the Update; the status to answer with. */
  handle(update: unknown, secretHeader: string | undefined): Promise<{ status: number }>;
}

const FAILURES: Record<number, [code: string, detail: string]> = {
  400: ['validation_error', 'the body is not a Telegram Update'],
  401: ['unauthorized', 'missing X-Telegram-Bot-Api-Secret-Token'],
  403: ['forbidden', 'wrong X-Telegram-Bot-Api-Secret-Token'],
  503: ['unavailable', 'the Telegram adapter is not running'],
};

/**
 * `POST <handler.path>`: Telegram's webhook (https://core.telegram.org/bots/api#setwebhook). The
 * JSON body (an Update) and the `X-Telegram-Bot-Api-Secret-Token` header go to `handler.handle`;
 * 200 has an empty body (a JSON body would be read by Telegram as a method call), failures our
 * error body. Mount outside the Bearer-protected scope: Telegram authenticates with the secret.
 */
export const telegramWebhookRoute = (handler: TelegramWebhookHandler): FastifyPluginAsync =>
  async function telegramWebhook(app) {
    app.post(handler.path, { bodyLimit: 1_048_576 }, async (request, reply) => {
      const header = request.headers['x-telegram-bot-api-secret-token'];
      const secret = Array.isArray(header) ? header[0] : header;
      const { status } = await handler.handle(request.body, secret);
      if (status >= 200 && status < 300) return reply.code(status).send();
      const [code, detail] = FAILURES[status] ?? ['telegram_webhook_error', 'the update was not handled'];
      return sendError(request, reply, status, code, detail, status === 503 ? 5 : undefined);
    });
  };
