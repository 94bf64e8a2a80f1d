/**
 * The streaming side of `cleanReply`'s reasoning rule: what of a model's answer may be shown while
 * it is still being written. Reasoning (`<think>…</think>`, also `<thinking>`) never shows, whether
 * its tags arrive whole, split across deltas (`<thi` + `nk>`), or not closed yet.
 */

/** A whole reasoning block, an opened one running to the end, or everything before a lone close. */
const CLOSED_BLOCK = /<think(?:ing)?>[\s\S]*?<\/think(?:ing)?>/gi;
const OPEN_BLOCK = /<think(?:ing)?>[\s\S]*$/i;
const LEADING_CLOSE = /^[\s\S]*?<\/think(?:ing)?>/i;
/** The opening tags a trailing fragment may be the start of. */
const OPENING_TAGS = ['<think>', '<thinking>'];

/**
 * The text of `raw` (the answer so far) that may be shown: reasoning blocks removed, an unclosed
 * one cut off, a trailing fragment that may become an opening tag (`<`, `<th`, `<think`) held back,
 * and leading whitespace dropped. A `</think>` without its opening tag (a model whose template
 * opened the block in the prompt) hides everything before it from then on: what was shown of it
 * before the tag arrived is replaced at the next update.
 * @example visibleSoFar('<think>plan</think>Hi th') // 'Hi th'
 * @example visibleSoFar('Hi <thi') // 'Hi '
 */
export function visibleSoFar(raw: string): string {
  const visible = raw.replace(CLOSED_BLOCK, '').replace(OPEN_BLOCK, '').replace(LEADING_CLOSE, '');
  return withoutPartialTag(visible).trimStart();
}

/** `text` without a trailing fragment that an opening tag could start with. */
function withoutPartialTag(text: string): string {
  const lastOpen = text.lastIndexOf('<');
  if (lastOpen < 0) return text;
  const tail = text.slice(lastOpen).toLowerCase();
  const partial = OPENING_TAGS.some((tag) => tag.startsWith(tail) && tail.length < tag.length);
  return partial ? text.slice(0, lastOpen) : text;
}

/**
 * Accumulates a streamed answer delta by delta and says what may be shown of it so far
 * (`visibleSoFar`). `raw` keeps the whole answer for the final `cleanReply`.
 * @example
 * const filter = new ReasoningFilter();
 * filter.push('<thi'); // ''
 * filter.push('nk>plan</think>Hello'); // 'Hello'
 */
export class ReasoningFilter {
  private text = '';

  /** The whole answer so far, reasoning included. */
  get raw(): string {
    return this.text;
  }

  /** Adds `delta` (chars) and returns the visible text of the answer so far. */
  push(delta: string): string {
    this.text += delta;
    return visibleSoFar(this.text);
  }
}
