/**
 * Turns a model's answer into a chat reply: reasoning removed (`<think>…</think>` blocks, also an
 * unclosed one at the end), surrounding quotes and whitespace trimmed, and cut to `maxChars`
 * (chars, counted as code points so emoji are never split) on a word boundary with an ellipsis.
 */
export function cleanReply(content: string, maxChars: number): string {
  const withoutReasoning = content
    .replace(/<think(?:ing)?>[\s\S]*?<\/think(?:ing)?>/gi, '')
    .replace(/<think(?:ing)?>[\s\S]*$/i, '')
    .replace(/^[\s\S]*?<\/think(?:ing)?>/i, '');
  const trimmed = withoutReasoning
    .trim()
    .replace(/^"([^"]*)"$/, '$1')
    .trim();
  return truncate(trimmed, maxChars);
}

/** Cuts `text` to at most `maxChars` code points, preferring the last space in the final 20 %. */
export function truncate(text: string, maxChars: number): string {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  const head = chars.slice(0, Math.max(0, maxChars - 1));
  const lastSpace = head.lastIndexOf(' ');
  const cut = lastSpace >= head.length * 0.8 ? head.slice(0, lastSpace) : head;
  return `${cut.join('').trimEnd()}…`;
}
