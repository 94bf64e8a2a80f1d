import type { ChatEvent } from '../../core/chat-event.js';
import type { Trigger, TriggerContext, TriggerMatch } from './trigger.js';
import { compileWordMatcher } from './words.js';

/** A `?` followed only by characters that are not letters or numbers (`?`, `?!`, `? 🤔`). */
const ENDS_WITH_QUESTION_MARK = /\?[^\p{L}\p{N}]*$/u;
const HAS_WORD_CHARACTER = /[\p{L}\p{N}]/u;
/** Words a starter-word question needs, so that "how" or "why not" alone does not count. */
const MIN_STARTER_WORDS = 3;

/**
 * True when `text` reads as a question: it has a letter or number and ends with `?` (trailing
 * emoji, punctuation and whitespace allowed), or it starts with one of `starters` as a whole word
 * and has at least three words.
 * @example isQuestion('is it live? 🤔', ['what']) // true
 * @example isQuestion('what is this', ['what']) // true
 */
export function isQuestion(text: string, starters: readonly string[]): boolean {
  const trimmed = text.trim();
  if (!HAS_WORD_CHARACTER.test(trimmed)) return false;
  if (ENDS_WITH_QUESTION_MARK.test(trimmed)) return true;
  const words = trimmed.split(/\s+/u).length;
  return words >= MIN_STARTER_WORDS && compileWordMatcher(starters, 'start')(trimmed);
}

/** A message that is a question (see `isQuestion`); `settings.words` are the question starters. */
export const questionTrigger: Trigger = {
  kind: 'question',
  match(event: ChatEvent, { settings }: TriggerContext): TriggerMatch | undefined {
    if (event.type !== 'message') return undefined;
    return isQuestion(event.text, settings.words ?? [])
      ? { kind: 'question', text: event.text.trim() }
      : undefined;
  },
};
