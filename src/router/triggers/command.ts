import type { ChatEvent } from '../../core/chat-event.js';
import type { Trigger, TriggerContext, TriggerMatch } from './trigger.js';
import { escapeRegExp, normalizeBotNames } from './words.js';

/** Compiled command patterns kept, keyed by prefixes and bot names; cleared when past the bound. */
const COMMAND_CACHE_LIMIT = 64;
const commandCache = new Map<string, RegExp | undefined>();

/**
 * `^prefix(@botname)?` followed by whitespace or the end, case-insensitive. Telegram appends the
 * bot's handle to commands in groups (`/ask@chatgate`); a handle of another bot does not match.
 */
function commandPattern(prefixes: readonly string[], botNames: readonly string[]): RegExp | undefined {
  const names = normalizeBotNames(botNames);
  const key = `${prefixes.join('\u0000')}\u0001${names.join('\u0000')}`;
  if (commandCache.has(key)) return commandCache.get(key);
  if (commandCache.size >= COMMAND_CACHE_LIMIT) commandCache.clear();
  const alternatives = [...new Set(prefixes.map((prefix) => prefix.trim()).filter(Boolean))]
    .map(escapeRegExp)
    .sort((a, b) => b.length - a.length);
  const handle = names.length > 0 ? `(?:@(?:${names.map(escapeRegExp).join('|')}))?` : '';
  const pattern =
    alternatives.length > 0
      ? new RegExp(`^\\s*(?:${alternatives.join('|')})${handle}(?=\\s|$)`, 'iu')
      : undefined;
  commandCache.set(key, pattern);
  return pattern;
}

/**
 * A message that starts with one of `settings.prefixes` (`!ai hello`, `/ask@chatgate what`), the
 * prefix followed by whitespace or the end (`!aim` is not `!ai`). `text` is the rest, trimmed.
 */
export const commandTrigger: Trigger = {
  kind: 'command',
  match(event: ChatEvent, { botNames, settings }: TriggerContext): TriggerMatch | undefined {
    if (event.type !== 'message') return undefined;
    const pattern = commandPattern(settings.prefixes ?? [], botNames);
    const found = pattern?.exec(event.text);
    return found ? { kind: 'command', text: event.text.slice(found[0].length).trim() } : undefined;
  },
};
