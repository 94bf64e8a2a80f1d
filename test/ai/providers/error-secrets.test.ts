import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOllamaProvider } from '../../../src/ai/providers/ollama/ollama-provider.js';
import { createOpenAIProvider } from '../../../src/ai/providers/openai-compatible/openai-provider.js';
import type { ChatRequest } from '../../../src/ai/providers/provider.js';
import { failure } from '../../support/provider-error.js';

const KEY = 'sk-test-secret-0123456789abcdef';
const PASSWORD = 'pw-userinfo-secret-77';
const QUERY_KEY = 'sk-query-secret-4455667788';
const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

/** A plain HTTP server on loopback that answers every call with `answer`. */
async function startUpstream(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Every text of a ProviderError that could be shown or logged: message, cause message and stack. */
function told(error: Error): string {
  const cause = error.cause as Error | undefined;
  return [error.message, String(cause?.message), String(cause?.stack)].join('\n');
}

describe('secrets in upstream error answers', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** An OpenAI provider at an upstream that answers 500 with `body(req)` as plain text. */
  async function providerAnswering(
    body: (req: IncomingMessage) => string,
    baseUrlOf = (url: string) => `${url}/v1`,
  ) {
    const upstream = await startUpstream((req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(body(req));
    });
    close = upstream.close;
    return createOpenAIProvider({ baseUrl: baseUrlOf(upstream.url), apiKey: KEY });
  }

  it('scrubs a non-JSON error before cutting it: a key across the cut leaves no head behind', async () => {
    // The echoed key runs from character 188 to 219: the 200-character cut falls inside it.
    const provider = await providerAnswering(
      (req) => `${'x'.repeat(180)} ${req.headers.authorization} rejected`,
    );
    const error = await failure(provider.chat(request));
    expect(error.message).toContain('[redacted]');
    expect(told(error)).not.toContain('sk-test-se');
    expect(told(error)).not.toContain('Bearer sk');
  });

  it('scrubs the key in upper case, base64 and base64url, each time it appears', async () => {
    const forms = [
      KEY,
      KEY.toUpperCase(),
      Buffer.from(KEY).toString('base64'),
      Buffer.from(KEY).toString('base64url'),
    ];
    // Inside a longer encoded value: the characters made of the key's bytes alone.
    const embedded = Buffer.from(`Bearer ${KEY}`).toString('base64');
    const provider = await providerAnswering(
      () => `bad key: ${forms.join(' and ')}; header ${embedded}; again ${KEY}`,
    );
    const error = await failure(provider.chat(request));
    for (const form of forms) expect(told(error)).not.toContain(form.slice(0, 12));
    expect(told(error)).not.toContain(embedded.slice(12, 40));
    expect(told(error)).not.toContain(KEY.slice(7, 19).toUpperCase());
    expect(error.message).toContain('[redacted]');
  });

  it('scrubs the base URL query key and a Basic credential built from its userinfo', async () => {
    const basic = Buffer.from(`u:${PASSWORD}`).toString('base64');
    const provider = await providerAnswering(
      (req) => `no such key in ${req.url}; Authorization: Basic ${basic}; user u:${PASSWORD}`,
      (url) => `http://u:${PASSWORD}@${url.slice('http://'.length)}/v1?api_key=${QUERY_KEY}`,
    );
    const error = await failure(provider.chat(request));
    for (const secret of [QUERY_KEY, PASSWORD, basic]) expect(told(error)).not.toContain(secret);
    expect(error.message).toContain('no such key in /v1/chat/completions?api_key=[redacted]');
    expect(provider.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('keeps an Ollama host with credentials out of the endpoint, the message and the cause', async () => {
    // fetch refuses a URL with userinfo and names the whole URL in its error.
    const provider = createOllamaProvider({ host: `http://u:${PASSWORD}@127.0.0.1:1/?token=${QUERY_KEY}` });
    const error = await failure(provider.chat(request));
    for (const secret of [PASSWORD, QUERY_KEY]) expect(told(error)).not.toContain(secret);
    const health = await provider.health();
    for (const secret of [PASSWORD, QUERY_KEY]) expect(health.detail).not.toContain(secret);
    expect(provider.endpoint).toBe('http://127.0.0.1:1');
  });
});

describe('an Ollama error answer', () => {
  it('is scrubbed whole and then cut, so a key across the cut leaves no head behind', async () => {
    // Ollama takes no key: what an upstream (a proxy in front of it) echoes is caught by its shape.
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${'x'.repeat(180)} Bearer sk-proxy-secret-0123456789 rejected ${'y'.repeat(500)}`);
    });
    try {
      const provider = createOllamaProvider({ host: upstream.url });
      const error = await failure(provider.chat(request));
      expect(error).toMatchObject({ code: 'http', status: 500 });
      expect(told(error)).not.toContain('sk-proxy');
      expect(error.message).toContain('Bearer [re');
      expect(error.message.length).toBeLessThan(260);
    } finally {
      await upstream.close();
    }
  });
});
