/**
 * How the local responder reads a message: a command (`/status`, `/help`, `/echo <text>`), a chat
 * category, or, for a prompt about a stream event, that event. Pure and deterministic.
 */

/** The commands the local responder answers itself. */
export type LocalCommandName = 'status' | 'help' | 'echo';

/** What a chat message is about, most specific first. */
export type MessageCategory = 'thanks' | 'help' | 'farewell' | 'greeting' | 'question' | 'default';

/** Stream events the responder can thank or welcome, named as the trigger kinds are. */
export type StreamEventCategory =
  | 'subscription'
  | 'resub'
  | 'subgift'
  | 'submysterygift'
  | 'raid'
  | 'cheer'
  | 'follow';

/** Whether a ChatEvent type is one of the stream events the responder has templates for. */
export function isStreamEventCategory(type: string): type is StreamEventCategory {
  return STREAM_PATTERNS.some(([category]) => category === type);
}

/** The template categories: a chat category or a stream event. */
export type LocalCategory = MessageCategory | StreamEventCategory;

/** The result of reading a text: a command with its argument, or a template category. */
export type Categorized =
  | { type: 'command'; command: LocalCommandName; argument: string }
  | { type: 'category'; category: LocalCategory };

/** `/status`, `/help`, `/echo …`, optionally with Telegram's `@botname`, at the start of the text. */
const COMMAND = /^\/(status|help|echo)(?:@[\p{L}\p{N}_]+)?(?=\s|$)\s*([\s\S]*)$/iu;

const BEFORE = '(?<![\\p{L}\\p{N}_])';
const AFTER = '(?![\\p{L}\\p{N}_])';
const words = (list: readonly string[]) =>
  new RegExp(`${BEFORE}(?:${list.map((word) => word.replace(/ /g, '\\s+')).join('|')})${AFTER}`, 'iu');

/** The responder's own word lists (it has no trigger settings); plain words, no regex syntax. */
const MESSAGE_PATTERNS: ReadonlyArray<readonly [MessageCategory, RegExp]> = [
  ['thanks', words(['thanks', 'thank you', 'thank u', 'thx', 'ty', 'tysm', 'much appreciated'])],
  ['help', words(['help', 'help me', 'assist', 'support', 'how do i', 'how can i', 'stuck'])],
  [
    'farewell',
    words([
      'bye',
      'goodbye',
      'good night',
      'goodnight',
      'gn',
      'cya',
      'see ya',
      'see you',
      'farewell',
      'lurk',
      'lurking',
    ]),
  ],
  [
    'greeting',
    words([
      'hi',
      'hello',
      'hey',
      'heya',
      'hiya',
      'howdy',
      'yo',
      'sup',
      'greetings',
      'good morning',
      'good afternoon',
      'good evening',
      'o7',
      'hola',
      'bonjour',
      'hallo',
    ]),
  ],
];

const QUESTION_END = /\?[^\p{L}\p{N}]*$/u;
const QUESTION_START = words([
  'what',
  'why',
  'how',
  'who',
  'when',
  'where',
  'which',
  'can',
  'could',
  'should',
  'would',
  'is',
  'are',
  'do',
  'does',
]);

/** Stream event phrasing in a prompt, most specific first (a mystery gift before a gift …). */
const STREAM_PATTERNS: ReadonlyArray<readonly [StreamEventCategory, RegExp]> = [
  ['submysterygift', /mystery|gifted\s+\d+\s+subs|subs?\s+to\s+the\s+community|submysterygift/iu],
  ['subgift', /gift/iu],
  ['resub', /resub|re-sub|months|streak/iu],
  ['subscription', /subscri|\bsub\b/iu],
  ['raid', /raid/iu],
  ['cheer', /cheer|\bbits?\b/iu],
  ['follow', /follow/iu],
];

/**
 * Reads a chat message: a leading `/status`, `/help` or `/echo <text>` is a command (case-insensitive;
 * `argument` is the rest, trimmed); otherwise thanks, help, farewell, greeting, question (ends with `?`
 * or starts with a question word) or default, in that order of precedence.
 * @example categorizeMessage('/echo  hi ') // { type: 'command', command: 'echo', argument: 'hi' }
 * @example categorizeMessage('hey all') // { type: 'category', category: 'greeting' }
 */
export function categorizeMessage(text: string): Categorized {
  const trimmed = text.trim();
  const command = COMMAND.exec(trimmed);
  if (command) {
    const name = (command[1] ?? '').toLowerCase() as LocalCommandName;
    return { type: 'command', command: name, argument: (command[2] ?? '').trim() };
  }
  for (const [category, pattern] of MESSAGE_PATTERNS) {
    if (pattern.test(trimmed)) return { type: 'category', category };
  }
  const startsWithQuestionWord = QUESTION_START.test(trimmed.split(/\s+/u)[0] ?? '');
  if (QUESTION_END.test(trimmed) || startsWithQuestionWord) return { type: 'category', category: 'question' };
  return { type: 'category', category: 'default' };
}

/**
 * Reads a prompt about a stream event (what the worker asks when the event has no text) and names
 * the event, or undefined when it names none.
 * @example categorizeStreamEvent('alice raided with 12 viewers') // 'raid'
 */
export function categorizeStreamEvent(prompt: string): StreamEventCategory | undefined {
  return STREAM_PATTERNS.find(([, pattern]) => pattern.test(prompt))?.[0];
}
