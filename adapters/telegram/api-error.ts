/**
 * Reading Bot API failures. Telegram answers errors as `{ ok: false, error_code, description,
 * parameters?: { retry_after?, migrate_to_chat_id? } }` (https://core.telegram.org/bots/api#making-requests,
 * https://core.telegram.org/bots/api#responseparameters); telegraf throws them as `TelegramError`
 * and network failures as node-fetch's `FetchError`. Nothing here ever carries the bot token.
 */
import { TelegramError } from 'telegraf';
import {
  type PlatformCallError,
  PlatformRefusedError,
  PlatformUnreachableError,
} from '../../src/core/adapter-kit/send-errors.js';

/** The facts of a caught failure, tokens removed. */
export interface ApiFailure {
  /** `error_code`, or 0 for a network error. */
  code: number;
  description: string;
  retryAfterSeconds?: number;
}

/** Removes `secret` (the bot token) from `text`, and any `/bot<id>:<secret>/` path telegraf may print. */
export function redact(text: string, secret: string): string {
  const scrubbed = secret === '' ? text : text.split(secret).join('[redacted]');
  return scrubbed.replace(/bot\d+:[A-Za-z0-9_-]+/g, 'bot[redacted]');
}

/** Reads a caught value as a Bot API failure. */
export function readFailure(error: unknown, token: string): ApiFailure {
  if (error instanceof TelegramError) {
    const retryAfter = error.parameters?.retry_after;
    return {
      code: error.code,
      description: redact(error.description ?? `error ${error.code}`, token),
      ...(typeof retryAfter === 'number' ? { retryAfterSeconds: retryAfter } : {}),
    };
  }
  const detail = error instanceof Error ? ((error as { code?: unknown }).code ?? error.message) : error;
  return { code: 0, description: redact(`network error: ${String(detail)}`, token) };
}

/** Whether Telegram refused MarkdownV2 text (`400 Bad Request: can't parse entities: …`). */
export function isParseFailure(failure: ApiFailure): boolean {
  return failure.code === 400 && /can't parse entities|can't find end of/i.test(failure.description);
}

/**
 * Whether Telegram refused an edit to the text the message shows already (`400 Bad Request:
 * message is not modified: …`): the edit's aim holds, so it is no failure.
 */
export function isNotModified(failure: ApiFailure): boolean {
  return failure.code === 400 && /message is not modified/i.test(failure.description);
}

/**
 * A failed Bot API call as the kit's typed pair: `PlatformRefusedError` when Telegram answered (its
 * `error_code`, `description` and `retry_after`), `PlatformUnreachableError` when it could not be
 * reached. No token in either.
 */
export function toCallError(error: unknown, method: string, token: string): PlatformCallError {
  const failure = readFailure(error, token);
  if (failure.code === 0) {
    return new PlatformUnreachableError('telegram', method, failure.description, { cause: error });
  }
  const retryAfterMs = failure.retryAfterSeconds === undefined ? undefined : failure.retryAfterSeconds * 1000;
  return new PlatformRefusedError('telegram', method, failure.code, failure.description, retryAfterMs, {
    cause: error,
  });
}

/** One line for `AdapterState.error` about a failed connection; never the token. */
export function describeConnectionFailure(failure: ApiFailure, apiRoot: string): string {
  if (failure.code === 401) {
    return 'Telegram refused the bot token (401 Unauthorized); check TELEGRAM_BOT_TOKEN';
  }
  if (failure.code === 409) {
    return `another poller or a webhook is using this bot (409 Conflict: ${failure.description})`;
  }
  if (failure.code === 0) return `cannot reach the Telegram Bot API at ${apiRoot} (${failure.description})`;
  return `Telegram Bot API error ${failure.code}: ${failure.description}`;
}
