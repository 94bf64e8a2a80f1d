/**
 * Preloaded into the Portkey gateway's process (`node --import`, see portkey.ts) so that its
 * streams work on Node: Portkey 1.15.2 appends its `x-portkey-*` headers to the upstream's fetch
 * `Response`, whose headers are immutable (fetch spec, "headers guard"), and through
 * @hono/node-server's lightweight Response they stay immutable, so every streamed chat completion
 * fails with `TypeError: immutable` and a 500 (Portkey-AI/gateway issues #1389 and #1550; the
 * proposed fix, pull request #1551, copies the response the same way). Only event streams are
 * copied: the non-streaming path works as it is, so its figures are Portkey's own.
 */
const fetchAsShipped = globalThis.fetch;
const NativeResponse = globalThis.Response;

globalThis.fetch = async (input, init) => {
  const response = await fetchAsShipped(input, init);
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
  return new NativeResponse(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers(response.headers),
  });
};
