/**
 * The floor for any gateway written on Node, for bench:gateway: a bare `node:http` server that
 * passes each request on to the upstream with `undici.request` (a keep-alive Agent, as chatgate's
 * OpenAI-compatible provider uses) and the answer back, bytes as they are: no auth, validation,
 * logging, metrics, budgets or re-serialization. A stream is piped through chunk by chunk.
 * It shows what part of a gateway's cost is the proxying itself on this machine (two sockets,
 * an HTTP server and an HTTP client per request). Runs in a process of its own; prints its URL.
 * Env: UPSTREAM, the upstream's base URL including `/v1`.
 */
import { createServer } from 'node:http';
import { Agent } from 'undici';

const upstream = new URL(process.env.UPSTREAM ?? 'http://127.0.0.1:1/v1');
const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
const base = upstream.pathname.replace(/\/+$/, '');

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    agent
      .request({
        origin: upstream.origin,
        // `/v1/chat/completions` on us → `{base}/chat/completions` upstream.
        path: `${base}${(req.url ?? '/').replace(/^\/v1/, '')}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: req.headers.authorization ?? 'Bearer no-key',
        },
        body: Buffer.concat(chunks),
      })
      .then(async ({ statusCode, headers, body }) => {
        const type = String(headers['content-type'] ?? 'application/json');
        if (type.startsWith('text/event-stream')) {
          res.writeHead(statusCode, { 'content-type': type, 'cache-control': 'no-cache' });
          for await (const chunk of body) res.write(chunk);
          res.end();
          return;
        }
        const answer = Buffer.from(await body.arrayBuffer());
        res.writeHead(statusCode, { 'content-type': type, 'content-length': answer.length });
        res.end(answer);
      })
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
