import type { ChatEvent } from '../core/chat-event.js';

/** A user named in a command: `@login` (lower case) or a Discord mention `<@id>`. */
export interface CommandTarget {
  login?: string;
  id?: string;
  /** As the moderator wrote it, for the confirmation (`@Troll`, `<@123>`). */
  shown: string;
}

/** A moderator command, parsed. */
export type ModeratorCommand =
  | { name: 'off' | 'on' | 'usage'; prefix: '!' | '/' }
  | { name: 'forget' | 'block' | 'unblock'; prefix: '!' | '/'; target: CommandTarget };

/**
 * `!ai <sub> [@user]`, or `/ai …` on Telegram and Discord (`/ai@botname …` in Telegram groups).
 * The handle, when present, must be one of ours; the sub-command and target are matched whole.
 */
const COMMAND = /^\s*([!/])ai(?:@([\w.]{1,64}))?\s+([a-z]{2,8})(?:\s+(\S+))?\s*$/iu;
/** A platform login after `@`: Twitch `[a-z0-9_]`, Telegram `[A-Za-z0-9_]`, Discord adds `.`. */
const LOGIN = /^@([\w.]{1,64})$/u;
/** A Discord user mention: `<@id>` or the older `<@!id>`. */
const MENTION = /^<@!?(\d{1,32})>$/u;
/** Platforms whose users also write the slash form (`/ai off`). */
const SLASH_PLATFORMS: ReadonlySet<string> = new Set(['telegram', 'discord']);

/**
 * The moderator command in `event`, or undefined when it is not one: the normal `!ai` trigger then
 * applies (`!ai what is up`, `!ai on what day…` ask the model). `off`, `on` and `usage` take
 * nothing after them; `forget`, `block` and `unblock` take exactly one user (`@login` or `<@id>`).
 * @param botNames the names the bot answers to (lower case, no `@`), for `/ai@botname`.
 */
export function parseModeratorCommand(
  event: Pick<ChatEvent, 'type' | 'text' | 'platform'>,
  botNames: readonly string[],
): ModeratorCommand | undefined {
  if (event.type !== 'message' || event.text.length > 200) return undefined;
  const found = COMMAND.exec(event.text);
  if (!found) return undefined;
  const [, prefixText, handle, subText, argument] = found;
  const prefix = prefixText as '!' | '/';
  if (prefix === '/' && !SLASH_PLATFORMS.has(event.platform)) return undefined;
  if (handle !== undefined && !botNames.includes(handle.toLowerCase())) return undefined;
  const name = (subText as string).toLowerCase();
  if (name === 'off' || name === 'on' || name === 'usage') {
    return argument === undefined ? { name, prefix } : undefined;
  }
  if (name === 'forget' || name === 'block' || name === 'unblock') {
    const target = argument === undefined ? undefined : parseTarget(argument);
    return target ? { name, prefix, target } : undefined;
  }
  return undefined;
}

function parseTarget(argument: string): CommandTarget | undefined {
  const login = LOGIN.exec(argument)?.[1];
  if (login) return { login: login.toLowerCase(), shown: argument };
  const id = MENTION.exec(argument)?.[1];
  if (id) return { id, shown: argument };
  return undefined;
}
