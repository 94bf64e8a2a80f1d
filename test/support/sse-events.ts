/**
 * Reads a server-sent-events body into its `data:` payloads, in order: JSON parsed, the literal
 * `[DONE]` kept as the string `'[DONE]'`. Other fields (`event:`, comments) are dropped.
 * @throws SyntaxError when a `data:` payload other than `[DONE]` is not JSON.
 * @example expect(sseEvents(response.body).at(-1)).toBe('[DONE]');
 */
export function sseEvents(body: string): unknown[] {
  return body
    .split('\n\n')
    .map((block) => block.trim())
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}
