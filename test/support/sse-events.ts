/**
 * Reads a server-sent-events body into its `data:` payloads, in order: JSON parsed, the literal
 * `[DONE]` kept as the string `'[DONE]'`. Other fields (`event:` lines, comments) are dropped, so
 * an event written as `event: <type>\ndata: {…}` (the Responses API) reads as its data.
 * @throws SyntaxError when a `data:` payload other than `[DONE]` is not JSON.
 * @example expect(sseEvents(response.body).at(-1)).toBe('[DONE]');
 */
export function sseEvents(body: string): unknown[] {
  return body
    .split('\n\n')
    .map((block) => block.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => line !== undefined)
    .map((line) => line.slice(6))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}
