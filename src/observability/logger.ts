import { createHash } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { publicEndpoint } from '../core/endpoint-url.js';
import { maskPii } from '../safety/pii.js';
import { type BatchedDestination, batchedDestination } from './log-destination.js';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log object: credentials and message bodies.
 * Message text is logged only at debug level, and then by our own code, never by a serializer.
 * (fastify's request serializer logs no headers; these two guard a header logged by hand. A
 * platform's own secret headers, such as a webhook's, are checked in its folder and never logged.)
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.apiKey',
  '*.api_key',
  '*.token',
  'apiKey',
  'token',
];

/** Fields that hold an endpoint URL: logged in their public form (no userinfo, no query). */
const URL_PATHS = ['baseUrl', 'base_url', 'endpoint', '*.baseUrl', '*.base_url', '*.endpoint'];
const URL_FIELDS = new Set(['baseUrl', 'base_url', 'endpoint']);

/** What pino writes instead of a redacted value: an URL's public form, else `[redacted]`. */
function censor(value: unknown, path: string[]): unknown {
  const field = path.at(-1);
  if (field !== undefined && URL_FIELDS.has(field)) {
    return typeof value === 'string' ? publicEndpoint(value) : value;
  }
  return '[redacted]';
}

/** pino's number for the `debug` level. */
const DEBUG = 20;

/** A string with personal data masked (`maskPii`); anything else as is. */
const maskedText = (value: unknown): unknown => (typeof value === 'string' ? maskPii(value) : value);

/**
 * The one batched stdout destination that every logger without a destination of its own shares:
 * stdout is one resource of the process, so one buffer and one exit write for it.
 */
let stdout: BatchedDestination | undefined;
const stdoutDestination = (): BatchedDestination => {
  stdout ??= batchedDestination(1);
  return stdout;
};

/**
 * The process logger: pino JSON on stdout at `level` (`silent` in tests), written in batches
 * (`batchedDestination`: up to 4 KB or 100 ms; held lines are written at exit), not one write per
 * line. Child loggers carry the request id, community and action. Credentials are blanked out, and endpoint URLs (`baseUrl`,
 * `base_url`, `endpoint`, at the top or one level down) are logged in their public form. Personal
 * data (e-mail addresses, phone, card and IBAN numbers, IP addresses) is masked, whatever a
 * community's `pii_redaction` says, in a `text` field at every level, and in the whole message of
 * debug and trace lines, where chat text goes (tmi.js logs chat bodies; it is routed to debug).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'chatgate' },
      redact: { paths: [...REDACT_PATHS, ...URL_PATHS], censor },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { text: maskedText },
      hooks: {
        logMethod(args, method, level) {
          // Chat text is logged at debug and below only (tmi.js's lines are routed there); lines
          // above keep their addresses (`listening on http://0.0.0.0:8080`).
          if (level <= DEBUG) for (let i = 0; i < args.length; i++) args[i] = maskedText(args[i]);
          return method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    destination ?? stdoutDestination(),
  );
}

/**
 * A stable, non-reversible form of a user id for logs: the first 12 hex chars of SHA-256 over
 * `platform:id`. Lets an operator follow one user across lines without logging who they are.
 */
export function hashUserId(platform: string, id: string): string {
  return createHash('sha256').update(`${platform}:${id}`).digest('hex').slice(0, 12);
}
