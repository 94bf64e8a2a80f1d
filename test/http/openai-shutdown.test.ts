/**
 * Graceful shutdown of the OpenAI API, over real HTTP on a listening chatgate (`createChatgate`,
 * closed the way SIGTERM closes it: `close({ graceMs })`), against a slow fake OpenAI upstream.
 * Requests that end within the grace get their whole answer; past it a completion answers 503
 * `shutting_down` and a stream ends with that error event and no `[DONE]`, the upstream call is
 * aborted, and each is logged once; requests that arrive during the drain get 503 in their route's
 * error shape, with `connection: close`.
 */
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import { liveBody } from '../support/live-body.js';
import { expectOpenAIShape, openAISchema } from '../support/openai-spec.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';
import { sseEvents } from '../support/sse-events.js';
import { waitFor } from '../support/wait-for.js';

const API_KEY = 'sk-test-shutdown-1234';
/** The grace of the tests whose requests outlive it. */
const GRACE_MS = 400;
/** The grace of the tests whose requests end within it: far longer than they take. */
const LONG_GRACE_MS = 30_000;
/** A reply long enough that, one word every 100 ms, the stream outlives any grace here. */
const LONG_REPLY = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  action?: string;
  route?: string;
  stream?: boolean;
  ran_ms?: number;
}

const WARN = 40;
const ask = (extra: Record<string, unknown> = {}) => ({
  model: 'chatgate/auto',
  messages: [{ role: 'user', content: 'tell me a long story' }],
  ...extra,
});

/** OpenAI's error body of a request refused or cut by the shutdown, its message containing `words`. */
const shuttingDownBody = (words: string) => ({
  error: {
    message: expect.stringContaining(words),
    type: 'server_error',
    param: null,
    code: 'shutting_down',
  },
});

/** The `data:` payloads' text deltas, joined. */
const deltaText = (events: unknown[]) =>
  events
    .map((event) => (event as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content)
    .join('');

/**
 * A raw HTTP/1.1 request sent in two steps on one connection: `head` at once (the connection is
 * then busy, not idle, so a closing server keeps it), the rest with `finish`, which resolves with the
 * status, headers and body once the server closes the connection.
 */
async function splitRequest(port: number, head: string) {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (data) => {
    text += data.toString('utf8');
  });
  const closed = new Promise<void>((resolve, reject) => {
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  await new Promise<void>((resolve) => socket.write(head, () => resolve()));
  return {
    async finish(rest: string) {
      socket.write(rest);
      await closed;
      const [top = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = top.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as unknown };
    },
  };
}

describeNeeding(['openai-spec'], 'OpenAI API: graceful shutdown', () => {
  let upstream: FakeServer;
  let chatgate: Pipeline | undefined;
  let closing: Promise<void> | undefined;
  let base: string;
  let logs: LogLine[];

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    // Compiling the spec's validator takes seconds of CPU on a loaded machine: here, not inside a
    // test whose upstream and timers it would stall.
    openAISchema('ErrorResponse');
  }, 60_000);
  afterAll(() => upstream.close());
  afterEach(async () => {
    await (closing ?? chatgate?.close({ graceMs: 0 }));
    chatgate = undefined;
    closing = undefined;
    upstream.reset();
  });

  /** chatgate on the fake upstream (an OpenAI-compatible provider, then the local responder), listening. */
  async function start(): Promise<void> {
    logs = [];
    const config = testConfig({
      ai: { provider: 'openai', model: 'llama3.2', openai: { baseUrl: `${upstream.url}/v1` } },
      auth: { apiKeys: [API_KEY] },
    });
    const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line)) });
    chatgate = await startPipeline(config, undefined, { platforms: [], logger });
    base = await chatgate.app.listen({ port: 0, host: '127.0.0.1' });
  }

  /** Begins the close as SIGTERM does (`main.ts`); afterEach waits for its end. */
  function close(graceMs: number): Promise<void> {
    if (!chatgate) throw new Error('start() first');
    closing = chatgate.close({ graceMs });
    return closing;
  }

  const post = (body: unknown, requestId: string, path = '/v1/chat/completions') =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${API_KEY}`,
        'x-request-id': requestId,
      },
      body: JSON.stringify(body),
    });

  const shutdownLines = () => logs.filter((line) => line.action === 'shutdown');
  const upstreamCalls = () => upstream.calls.filter((call) => call.path === '/v1/chat/completions');

  /** The one upstream call was aborted, and the request logged once as cut, at warn. */
  async function expectCut(
    requestId: string,
    stream: boolean,
    route = '/v1/chat/completions',
  ): Promise<void> {
    await waitFor(() => upstreamCalls()[0]?.closedEarly, 5000, 'the upstream to see its call aborted');
    expect(shutdownLines()).toEqual([
      expect.objectContaining({ level: WARN, reqId: requestId, route, stream }),
    ]);
    // How long it ran: from its arrival, which came before the close began, past the whole grace.
    expect(shutdownLines()[0]?.ran_ms).toBeGreaterThanOrEqual(GRACE_MS - 1);
  }

  it('lets a completion and a stream that end within the grace finish whole, then closes without waiting out the grace', async () => {
    await start();
    upstream.behave({ latencyMs: 300, chunkDelayMs: 30, reply: 'one two three four five' });
    const plain = post(ask(), 'within-plain');
    const streamed = post(ask({ stream: true }), 'within-stream');
    await waitFor(() => upstreamCalls().length === 2, 5000, 'both calls to reach the upstream');

    const closingStarted = performance.now();
    const closed = close(LONG_GRACE_MS);
    const [plainResponse, streamResponse] = await Promise.all([plain, streamed]);
    expect(plainResponse.status).toBe(200);
    const completion = (await plainResponse.json()) as { choices: { message: { content: string } }[] };
    expect(completion.choices[0]?.message.content).toBe('one two three four five');
    const events = sseEvents(await streamResponse.text());
    expect(deltaText(events)).toBe('one two three four five');
    expect(events.at(-1)).toBe('[DONE]');

    await closed;
    // Their connections closed as their answers ended: the close did not sit out the 30 s grace
    // (nor the 72 s keep-alive timeout of an idle socket).
    expect(performance.now() - closingStarted).toBeLessThan(LONG_GRACE_MS / 2);
    expect(upstreamCalls().every((call) => !call.closedEarly)).toBe(true);
    expect(shutdownLines()).toEqual([]);
  });

  it('answers a completion still running when the grace ends 503 shutting_down, aborts its upstream call, and logs it once', async () => {
    await start();
    upstream.behave({ latencyMs: 30_000 });
    const answer = post(ask(), 'cut-plain-1');
    await waitFor(() => upstreamCalls().length === 1, 5000, 'the call to reach the upstream');

    await close(GRACE_MS);
    const response = await answer;
    expect(response.status).toBe(503);
    expect(response.headers.get('connection')).toBe('close');
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('x-request-id')).toBe('cut-plain-1');
    const body = await response.json();
    expect(body).toEqual(shuttingDownBody('shutting down'));
    expectOpenAIShape('ErrorResponse', body);
    await expectCut('cut-plain-1', false);
  });

  it('ends a stream still running when the grace ends with its deltas, then an error event and no [DONE], and logs it once', async () => {
    await start();
    upstream.behave({ reply: LONG_REPLY, chunkDelayMs: 100 });
    const response = await post(
      ask({ stream: true, stream_options: { include_usage: true } }),
      'cut-stream-1',
    );
    expect(response.status).toBe(200);
    const body = liveBody(response);
    await body.until((text) => text.includes('word1'), 5000, 'the first deltas');

    await close(GRACE_MS);
    const events = sseEvents(await body.rest());
    expect(events).not.toContain('[DONE]');
    const last = events.at(-1);
    expect(last).toEqual(shuttingDownBody('incomplete'));
    expectOpenAIShape('ErrorResponse', last);
    // Every event before it is a delta of the answer, in order; none claims a finish.
    const deltas = events.slice(0, -1) as { choices: { finish_reason: string | null }[] }[];
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.every((chunk) => chunk.choices[0]?.finish_reason === null)).toBe(true);
    expect(LONG_REPLY.startsWith(deltaText(deltas))).toBe(true);
    await expectCut('cut-stream-1', true);
  });

  it('ends a Responses API stream still running when the grace ends with response.failed (shutting_down), and logs it once', async () => {
    await start();
    upstream.behave({ reply: LONG_REPLY, chunkDelayMs: 100 });
    const response = await post(
      { model: 'chatgate/auto', input: 'tell me a long story', stream: true },
      'cut-responses-1',
      '/v1/responses',
    );
    expect(response.status).toBe(200);
    const body = liveBody(response);
    await body.until((text) => text.includes('word1'), 5000, 'the first deltas');

    await close(GRACE_MS);
    const events = sseEvents(await body.rest()) as { type: string; response?: Record<string, unknown> }[];
    const types = events.map((event) => event.type);
    expect(types).not.toContain('response.completed');
    expect(types.at(-1)).toBe('response.failed');
    expect(events.at(-1)?.response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: expect.stringContaining('shutting_down') },
    });
    await expectCut('cut-responses-1', true, '/v1/responses');
  });

  it('refuses requests that arrive during the drain: 503 with connection: close, OpenAI’s shape on the OpenAI API and ours elsewhere', async () => {
    await start();
    const port = Number(new URL(base).port);
    // Connections opened, and requests begun, before the close; their bodies arrive after it.
    const openai = await splitRequest(port, 'POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    const own = await splitRequest(port, 'POST /api/v1/ai/interaction HTTP/1.1\r\nhost: 127.0.0.1\r\n');

    void close(LONG_GRACE_MS);
    // New connections are refused at once: the listener is closed (a balancer tries elsewhere).
    await waitFor(
      () =>
        fetch(`${base}/health`).then(
          () => false,
          () => true,
        ),
      5000,
      'the listener to close',
    );

    const send = (body: unknown) => {
      const json = JSON.stringify(body);
      return `authorization: Bearer ${API_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\nx-request-id: drain-1\r\n\r\n${json}`;
    };
    const openaiAnswer = await openai.finish(send(ask()));
    expect(openaiAnswer.status).toBe(503);
    expect(openaiAnswer.headers.connection).toBe('close');
    expect(openaiAnswer.headers['retry-after']).toBe('1');
    expect(openaiAnswer.body).toEqual(shuttingDownBody('shutting down'));
    expectOpenAIShape('ErrorResponse', openaiAnswer.body);

    const ownAnswer = await own.finish(send({ platform: 'api', text: 'hello' }));
    expect(ownAnswer.status).toBe(503);
    expect(ownAnswer.headers.connection).toBe('close');
    expect(ownAnswer.body).toEqual({
      detail: 'chatgate is shutting down',
      error_code: 'shutting_down',
      timestamp: expect.any(String),
      correlation_id: 'drain-1',
    });

    expect(upstream.calls).toEqual([]);
    // Nothing was running: the close ends without the grace, and nothing was cut.
    await closing;
    expect(shutdownLines()).toEqual([]);
  });
});
