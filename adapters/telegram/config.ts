/**
 * The `platforms.telegram` section of chatgate's config and its environment variables
 * (TELEGRAM_*). The adapter starts only when `botToken` is set.
 */
import Type, { type Static } from 'typebox';
import type { PlatformConfigSection } from '../../src/core/platform.js';

export const TelegramConfigSchema = Type.Object({
  /** `TELEGRAM_BOT_TOKEN`; a secret. */
  botToken: Type.Optional(Type.String({ minLength: 1, env: 'TELEGRAM_BOT_TOKEN', secret: true })),
  /** Bot API root; `https://api.telegram.org` by default. */
  apiRoot: Type.String({ format: 'uri', env: 'TELEGRAM_API_ROOT' }),
  /** Webhook mode when set (mounted on chatgate's own HTTP server); long polling otherwise. */
  webhookUrl: Type.Optional(Type.String({ format: 'uri', env: 'TELEGRAM_WEBHOOK_URL' })),
  /** Checked against `X-Telegram-Bot-Api-Secret-Token`; a secret. */
  webhookSecret: Type.Optional(
    Type.String({ minLength: 1, maxLength: 256, env: 'TELEGRAM_WEBHOOK_SECRET', secret: true }),
  ),
});

/** The `platforms.telegram` section, validated. */
export type TelegramConfig = Static<typeof TelegramConfigSchema>;

/** The section as the platform's descriptor declares it: schema (with each field's environment variable) and defaults. */
export const TELEGRAM_CONFIG: PlatformConfigSection<typeof TelegramConfigSchema> = {
  schema: TelegramConfigSchema,
  defaults: { apiRoot: 'https://api.telegram.org' },
};
