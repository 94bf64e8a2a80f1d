/**
 * `Server-Timing: upstream;dur=<ms>, chatgate;dur=<ms>` on every answer of the OpenAI routes, over
 * real HTTP against a fake OpenAI upstream that takes a known time: `upstream` is the time spent in
 * the provider chain (for a stream, to its first delta: the header goes out with the first byte),
 * `chatgate` the rest of the request's time.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { testConfig } from '../support/services.js';
import { sseEvents } from '../support/sse-events.js';

const API_KEY = 'sk-test-timing-1234';
/** How long the fake upstream waits before it answers, ms. */
const LATENCY_MS = 150;

/**
 * Parses a Server-Timing value per the W3C grammar (`metric *( OWS "," OWS metric )`, a metric
 * being `name *( OWS ";" OWS param )`) into each metric's `dur`, in ms.
 */
function durations(header: string | null): Record<string, number> {
  if (header === null) throw new Error('no Server-Timing header');
  const out: Record<string, number> = {};
  for (const metric of header.split(',')) {
    const [name = '', ...params] = metric.split(';').map((part) => part.trim());
    const dur = params.map((param) => /^dur=([\d.]+)$/.exec(param)?.[1]).find((value) => value !== undefined);
    if (!/^[\w-]+$/.test(name) || dur === undefined)
      throw new Error(`malformed metric "${metric}" in ${header}`);
    out[name] = Number(dur);
  }
  return out;
}

describe('OpenAI API: Server-Timing', () => {
  let upstream: FakeServer;
  let chatgate: Pipeline;
  let base: string;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    const config = testConfig({
      ai: { provider: 'openai', model: 'llama3.2', openai: { baseUrl: `${upstream.url}/v1` } },
      auth: { apiKeys: [API_KEY] },
    });
    chatgate = await startPipeline(config, undefined, { platforms: [] });
    base = await chatgate.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await chatgate?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  const post = (body: unknown, key = API_KEY) =>
    fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
  const ask = (extra: Record<string, unknown> = {}) => ({
    model: 'chatgate/auto',
    messages: [{ role: 'user', content: 'hello' }],
    ...extra,
  });

  it('splits a completion’s time into the upstream’s and chatgate’s, and the SDK client reads it', async () => {
    upstream.behave({ latencyMs: LATENCY_MS, reply: 'Hi there.' });
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: API_KEY, maxRetries: 0 });
    const sent = performance.now();
    const { data, response } = await client.chat.completions
      .create({ model: 'chatgate/auto', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    const waited = performance.now() - sent;
    expect(data.choices[0]?.message.content).toBe('Hi there.');
    const timing = durations(response.headers.get('server-timing'));
    expect(Object.keys(timing)).toEqual(['upstream', 'chatgate']);
    // The upstream took its latency at least; the whole cannot exceed what the client waited.
    expect(timing.upstream).toBeGreaterThanOrEqual(LATENCY_MS);
    expect(timing.chatgate).toBeGreaterThanOrEqual(0);
    expect((timing.upstream ?? 0) + (timing.chatgate ?? 0)).toBeLessThanOrEqual(waited);
  });

  it('sends a stream’s timing with its first byte: upstream is the time to the first delta', async () => {
    upstream.behave({ latencyMs: LATENCY_MS, chunkDelayMs: 100, reply: 'one two three four five six' });
    const sent = performance.now();
    const response = await post(ask({ stream: true }));
    const headersAfter = performance.now() - sent;
    const timing = durations(response.headers.get('server-timing'));
    expect(Object.keys(timing)).toEqual(['upstream', 'chatgate']);
    expect(timing.upstream).toBeGreaterThanOrEqual(LATENCY_MS);
    // All of it was known when the headers reached the client, with the first delta.
    expect((timing.upstream ?? 0) + (timing.chatgate ?? 0)).toBeLessThanOrEqual(headersAfter);
    expect(sseEvents(await response.text()).at(-1)).toBe('[DONE]');
  });

  it('says upstream 0 on answers no provider was asked for: a 401, a 400, the model list', async () => {
    const unauthorized = await post(ask(), 'sk-wrong-key-0000');
    expect(unauthorized.status).toBe(401);
    expect(durations(unauthorized.headers.get('server-timing'))).toEqual({
      upstream: 0,
      chatgate: expect.any(Number),
    });

    const refused = await post(ask({ n: 2 }));
    expect(refused.status).toBe(400);
    expect(durations(refused.headers.get('server-timing')).upstream).toBe(0);

    const models = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(models.status).toBe(200);
    expect(Object.keys(durations(models.headers.get('server-timing')))).toEqual(['upstream', 'chatgate']);
    expect(upstream.calls.filter((call) => call.path === '/v1/chat/completions')).toEqual([]);
  });
});
