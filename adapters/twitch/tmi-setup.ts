/**
 * How we configure tmi.js 1.8.5 and read what it reports, kept apart from the connection logic.
 * tmi.js source: https://github.com/tmijs/tmi.js/blob/v1.8.5/lib/client.js.
 */
import type { Options } from 'tmi.js';
import type { AdapterHost } from '../../src/core/adapter.js';

/** Where and how to connect. */
export interface ConnectionSettings {
  /** The bot's login, lower case. */
  username: string;
  /** `oauth:…` (or the bare token); a secret, never logged. */
  token: string;
  /** Chat server host; Twitch's `irc-ws.chat.twitch.tv` when unset. */
  server?: string;
  port?: number;
  /** wss. tmi.js then always uses port 443 (it overrides the port when secure). */
  secure: boolean;
  /** Restart a connection that delivered nothing for this long, ms. */
  watchdogMs: number;
  /** tmi.js's first reconnect delay, ms (it grows ×1.5 up to 30 s). */
  reconnectIntervalMs: number;
}

/**
 * tmi.js options: no channels (we join ourselves, through the join throttle), no membership
 * capability (JOIN/PART of every viewer is noise for a bot), no emote-set fetches (tmi.js would call
 * the retired Kraken API), and tmi.js's own logging routed to ours at debug level (it logs chat
 * bodies at info).
 */
export function tmiOptions(settings: ConnectionSettings, logger: AdapterHost['logger']): Options {
  const log = (message: unknown): void => logger.debug({ source: 'tmi.js' }, String(message));
  return {
    options: { skipMembership: true, skipUpdatingEmotesets: true },
    connection: {
      ...(settings.server ? { server: settings.server } : {}),
      ...(settings.port ? { port: settings.port } : {}),
      secure: settings.secure,
      reconnect: true,
      reconnectInterval: settings.reconnectIntervalMs,
      maxReconnectInterval: 30_000,
    },
    identity: { username: settings.username, password: settings.token },
    channels: [],
    logger: { info: log, warn: log, error: log },
  };
}

/**
 * The NOTICE texts after which tmi.js stops reconnecting (lib/client.js, NOTICE default case):
 * Twitch refused the login (https://dev.twitch.tv/docs/chat/irc/#notice-reference).
 */
const LOGIN_FAILURES = [
  'Login unsuccessful',
  'Login authentication failed',
  'Error logging in',
  'Improperly formatted auth',
  'Invalid NICK',
];

/** True when tmi.js disconnected because Twitch refused the login. */
export function isLoginFailure(reason: unknown): boolean {
  return typeof reason === 'string' && LOGIN_FAILURES.some((text) => reason.includes(text));
}

/** A reason safe for logs and status: anything shaped like a token is blanked out. */
export function redactSecrets(text: string): string {
  return text.replace(/oauth:\S+/gi, 'oauth:[redacted]');
}

/** A plain object (a tags object, a parsed IRC message), for narrowing tmi.js's loose values. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Logs a NOTICE: refusals of our messages (msg_duplicate, msg_ratelimit) as warnings. */
export function logNotice(
  logger: AdapterHost['logger'],
  channel: unknown,
  msgId: unknown,
  text: unknown,
): void {
  const details = { channel, msgId, text: redactSecrets(String(text ?? '')) };
  if (msgId === 'msg_duplicate' || msgId === 'msg_ratelimit')
    logger.warn(details, 'twitch refused a message');
  else logger.info(details, 'twitch notice');
}
