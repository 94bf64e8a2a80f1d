import type { ChatEvent } from '../../core/chat-event.js';
import type { Trigger, TriggerContext, TriggerMatch } from './trigger.js';
import { escapeRegExp, namesBot, normalizeBotNames } from './words.js';

/** Compiled address patterns kept, keyed by the bot names; cleared when past the bound. */
const ADDRESS_CACHE_LIMIT = 64;
const addressCache = new Map<string, RegExp | undefined>();

/**
 * The leading address to remove: `@bot` (optionally followed by `,` or `:`), or `bot,` / `bot:`.
 * A bare `bot` without punctuation is kept ("chatgate is cool" stays as it is).
 */
function addressPattern(botNames: readonly string[]): RegExp | undefined {
  const names = normalizeBotNames(botNames);
  const key = names.join('\u0000');
  if (addressCache.has(key)) return addressCache.get(key);
  if (addressCache.size >= ADDRESS_CACHE_LIMIT) addressCache.clear();
  const alternation = names
    .map(escapeRegExp)
    .sort((a, b) => b.length - a.length)
    .join('|');
  const pattern = alternation
    ? new RegExp(
        `^\\s*(?:@(?:${alternation})(?![\\p{L}\\p{N}_])\\s*[,:]?|(?:${alternation})\\s*[,:])\\s*`,
        'iu',
      )
    : undefined;
  addressCache.set(key, pattern);
  return pattern;
}

/**
 * `text` without a leading address to the bot (`@chatgate hi`, `chatgate, hi`, `chatgate: hi` →
 * `hi`), trimmed. When nothing but the address is left, the trimmed original text is returned, so
 * the model still sees what was said.
 * @example stripAddress('@chatgate, what is up', ['chatgate']) // 'what is up'
 */
export function stripAddress(text: string, botNames: readonly string[]): string {
  const trimmed = text.trim();
  const pattern = addressPattern(botNames);
  if (!pattern) return trimmed;
  const rest = trimmed.replace(pattern, '').trim();
  return rest === '' ? trimmed : rest;
}

/**
 * A message that addresses the bot: the adapter flagged it (`mentionsBot`), it is a direct message,
 * it replies to the bot, or its text names the bot (`@name` or `name` as a word). `text` is the
 * message with a leading address removed (see `stripAddress`).
 */
export const mentionTrigger: Trigger = {
  kind: 'mention',
  match(event: ChatEvent, { botNames }: TriggerContext): TriggerMatch | undefined {
    if (event.type !== 'message') return undefined;
    const addressed =
      event.mentionsBot || event.isDirect || event.replyTo?.isBot === true || namesBot(event.text, botNames);
    return addressed ? { kind: 'mention', text: stripAddress(event.text, botNames) } : undefined;
  },
};
