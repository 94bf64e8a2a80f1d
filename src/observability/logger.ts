import { createHash } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { maskPii } from '../safety/pii.js';
import { type BatchedDestination, batchedDestination } from './log-destination.js';
import { redactLogFields } from './log-redaction.js';

export type { Logger };

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
  const logger = pino(
    {
      level,
      base: { service: 'chatgate' },
      // Credentials and endpoint URLs (log-redaction.ts), in the fields of each line and in a
      // child's bindings; not pino's `redact`, which costs allocations on every value of every line.
      formatters: { log: redactLogFields, bindings: redactLogFields },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { text: maskedText },
      hooks: {
        logMethod(args, method, level) {
          // Chat text is logged at debug and below only (tmi.js's lines are routed there); lines
          // above keep their addresses (`listening on http://0.0.0.0:8080`).
          if (level <= DEBUG) for (let i = 0; i < args.length; i++) args[i] = maskedText(args[i]);
          // Objects interpolated into the message (`%j`, `%o`) are redacted as the line's fields are.
          for (let i = typeof args[0] === 'string' ? 1 : 2; i < args.length; i++) {
            const arg = args[i];
            if (typeof arg === 'object' && arg !== null) args[i] = redactLogFields(arg);
          }
          return method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    destination ?? stdoutDestination(),
  );
  // pino runs `formatters.bindings` on the root's bindings only: a child's are redacted here.
  // Every child is made from its parent by Object.create, so it inherits this `child` too.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, options) {
    return child.call(this, redactLogFields(bindings), options);
  } as typeof child;
  return logger;
}

/**
 * A stable, non-reversible form of a user id for logs: the first 12 hex chars of SHA-256 over
 * `platform:id`. Lets an operator follow one user across lines without logging who they are.
 */
export function hashUserId(platform: string, id: string): string {
  return createHash('sha256').update(`${platform}:${id}`).digest('hex').slice(0, 12);
}
