/**
 * What Discord's connection failures mean in plain words, and whether trying again can help.
 * Close codes: https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes
 */
import { DiscordjsErrorCodes, GatewayCloseCodes } from 'discord.js';

/** Why the connection failed, for `state().error` and the log, and whether trying again can help. */
export interface ConnectionFailure {
  message: string;
  /** True when retrying cannot help (a bad token, an intent the portal does not allow). */
  fatal: boolean;
}

/** The privileged intents to switch on in the developer portal, for the 4014 explanation. */
function privilegedIntents(memberJoinGreetings: boolean): string {
  return memberJoinGreetings
    ? '"Message Content Intent" and "Server Members Intent"'
    : '"Message Content Intent"';
}

/**
 * A gateway close code Discord documents as final, explained; `undefined` for codes after which
 * discord.js resumes or reconnects by itself.
 */
export function describeCloseCode(code: number, memberJoinGreetings: boolean): string | undefined {
  switch (code) {
    case GatewayCloseCodes.AuthenticationFailed:
      return 'Discord rejected the bot token (gateway close 4004 Authentication failed): check DISCORD_TOKEN';
    case GatewayCloseCodes.DisallowedIntents:
      return (
        'Discord refused a privileged intent (gateway close 4014 Disallowed intents): in the developer ' +
        `portal, open the application, Bot, Privileged Gateway Intents, and turn on ${privilegedIntents(memberJoinGreetings)}`
      );
    case GatewayCloseCodes.InvalidIntents:
      return 'Discord refused the intents (gateway close 4013 Invalid intents)';
    case GatewayCloseCodes.InvalidShard:
      return 'Discord refused the shard (gateway close 4010 Invalid shard)';
    case GatewayCloseCodes.ShardingRequired:
      return 'Discord requires sharding (gateway close 4011): the bot is in too many servers for one shard; shard automatically';
    case GatewayCloseCodes.InvalidAPIVersion:
      return 'Discord refused the gateway version (gateway close 4012 Invalid API version)';
    default:
      return undefined;
  }
}

/**
 * What a failed `client.login()` means. `closeCode` is the last final close code seen, if any (the
 * login error itself then only says "Authentication failed" or "Used disallowed intents").
 * The token never appears in the message, even if a library error were to quote it.
 */
export function describeLoginError(
  error: unknown,
  token: string,
  closeCode: number | undefined,
  memberJoinGreetings: boolean,
): ConnectionFailure {
  const explained = closeCode === undefined ? undefined : describeCloseCode(closeCode, memberJoinGreetings);
  if (explained) return { message: explained, fatal: true };
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === DiscordjsErrorCodes.TokenInvalid) {
    return {
      message: 'Discord rejected the bot token (401 on GET /gateway/bot): check DISCORD_TOKEN',
      fatal: true,
    };
  }
  const status =
    typeof error === 'object' && error !== null && 'status' in error ? ` (HTTP ${error.status})` : '';
  const text = error instanceof Error ? error.message : String(error);
  return { message: `could not connect to Discord${status}: ${redact(text, token)}`, fatal: false };
}

/** `text` with every occurrence of `token` blanked out. */
export function redact(text: string, token: string): string {
  return token === '' ? text : text.split(token).join('[redacted]');
}
