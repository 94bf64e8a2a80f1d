import { createHash } from 'node:crypto';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log object: credentials and message bodies.
 * Message text is logged only at debug level, and then by our own code, never by a serializer.
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  '*.apiKey',
  '*.api_key',
  '*.token',
  'apiKey',
  'token',
];

/**
 * The process logger: pino JSON on stdout at `level` (`silent` in tests). Child loggers carry the
 * request id, community and action.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'chatgate' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * A stable, non-reversible form of a user id for logs: the first 12 hex chars of SHA-256 over
 * `platform:id`. Lets an operator follow one user across lines without logging who they are.
 */
export function hashUserId(platform: string, id: string): string {
  return createHash('sha256').update(`${platform}:${id}`).digest('hex').slice(0, 12);
}
