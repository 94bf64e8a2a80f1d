/**
 * The bot's own commands: `/start`, `/help`, `/reset` and `/ask <text>`, each also as
 * `/<command>@<bot>` (the form Telegram clients use in groups). A command for another bot
 * (`/help@otherbot`) or one we do not know is not ours: the message goes to the router as it is.
 * Command syntax: https://core.telegram.org/bots/features#commands
 */
import type { ChatEvent } from '../../src/core/chat-event.js';

/** A command as typed: `/name@target args`. */
export interface ParsedCommand {
  /** Lower case, without `/`. */
  name: string;
  /** The `@bot` suffix, without `@`, when given. */
  target?: string;
  /** Everything after the command, trimmed. */
  args: string;
}

/** What to do with a message. */
export type CommandAction =
  /** Not one of our commands: ingest the event unchanged. */
  | { kind: 'none' }
  /** Answer at once with `text`, without the router. */
  | { kind: 'reply'; text: string }
  /** Forget this conversation's context, then answer with `text`. */
  | { kind: 'reset'; text: string }
  /** Ingest `event`: the question as its text, addressed to the bot. */
  | { kind: 'ask'; event: ChatEvent };

/**
 * Reads `/name[@target] [args]` at the start of `text`. Names are 1-32 letters, digits or
 * underscores; usernames 5-32 (we accept 1-64 so an odd one is still recognised as someone's).
 * @example parseCommand('/ask@chatgate_bot hi') // { name: 'ask', target: 'chatgate_bot', args: 'hi' }
 */
export function parseCommand(text: string): ParsedCommand | undefined {
  const found = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!found?.[1]) return undefined;
  return {
    name: found[1].toLowerCase(),
    ...(found[2] !== undefined ? { target: found[2] } : {}),
    args: (found[3] ?? '').trim(),
  };
}

/** The answer to `/start` and `/help`, naming the bot's handle when known. */
export function helpText(botUsername: string | undefined): string {
  const handle = botUsername ? `@${botUsername}` : 'me';
  return [
    "Hi! I'm an AI chat bot.",
    '',
    `In a private chat, just write to me. In a group, mention ${handle}, reply to one of my messages, or use /ask.`,
    '',
    'Commands:',
    '/ask <question> - ask me something',
    "/reset - forget this chat's conversation",
    '/help - this message',
  ].join('\n');
}

/** Decides what a message that may be a command asks for. Only `message` events carry commands. */
export function commandAction(event: ChatEvent, botUsername: string | undefined): CommandAction {
  if (event.type !== 'message') return { kind: 'none' };
  const command = parseCommand(event.text);
  if (!command) return { kind: 'none' };
  if (command.target !== undefined && command.target.toLowerCase() !== botUsername?.toLowerCase()) {
    return { kind: 'none' };
  }
  switch (command.name) {
    case 'start':
    case 'help':
      return { kind: 'reply', text: helpText(botUsername) };
    case 'reset':
      return { kind: 'reset', text: "Done: I've forgotten our conversation in this chat." };
    case 'ask':
      if (command.args === '') return { kind: 'reply', text: 'Usage: /ask <question>' };
      return {
        kind: 'ask',
        event: { ...event, text: command.args, mentionsBot: true, meta: { ...event.meta, command: 'ask' } },
      };
    default:
      return { kind: 'none' };
  }
}
