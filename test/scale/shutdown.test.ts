/**
 * Graceful shutdown, as an orchestrator does it (SIGTERM, then SIGKILL if it takes too long):
 * running interactions get SHUTDOWN_GRACE_MS; a redis-queue worker then hands them back for another
 * worker; the memory queue fails them with reason `shutdown` and tells the callers; the process
 * exits 0. A second signal exits at once. OpenAI completions still running past the grace answer
 * 503 `shutting_down`, or end their stream with that error event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServer } from '../fakes/fake-ollama.js';
import { startFakeOpenAI } from '../fakes/fake-openai.js';
import { type ChatgateProcess, startChatgate } from '../support/chatgate-process.js';
import { liveBody } from '../support/live-body.js';
import { describeNeeding } from '../support/requirements.js';
import { sseEvents } from '../support/sse-events.js';
import { waitFor } from '../support/wait-for.js';
import { type ScaleBackends, startScaleBackends } from './backends.js';
import { mentionBody, postInteraction } from './support.js';

const chatCalls = (ollama: FakeServer) => ollama.calls.filter((call) => call.path === '/api/chat').length;

describeNeeding(['redis-server', 'postgres'], 'SIGTERM', () => {
  let backends: ScaleBackends;
  let ollama: FakeServer;

  beforeAll(async () => {
    backends = await startScaleBackends('scale_shutdown');
    ollama = backends.ollama;
  });
  afterAll(() => backends?.close(), 30_000);

  it('hands running jobs back to Redis, exits 0, and another worker answers them', async () => {
    const env = {
      SHUTDOWN_GRACE_MS: '300',
      // Long: a job that came back fast was handed back, not recovered as stalled.
      QUEUE_STALLED_INTERVAL_MS: '60000',
    };
    ollama.behave({ latencyMs: 30_000, reply: 'answered after the hand-back' });
    const [api, first] = await Promise.all([
      backends.start({ ...env, CHATGATE_ROLE: 'api' }),
      backends.start({ ...env, CHATGATE_ROLE: 'worker' }),
    ]);
    const ids = ['hb-1', 'hb-2', 'hb-3'];
    for (const id of ids)
      await postInteraction(api.url, mentionBody(id, backends.receiver.url, `user-${id}`));
    await waitFor(() => (chatCalls(ollama) >= 3 ? true : undefined), 10_000);

    const stopping = Date.now();
    const exit = await first.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(backends.receiver.received).toHaveLength(0);

    ollama.behave({ latencyMs: 0 });
    await backends.start({ ...env, CHATGATE_ROLE: 'worker' });
    await waitFor(() => (backends.receiver.received.length >= 3 ? true : undefined), 15_000);
    await new Promise((done) => setTimeout(done, 500));
    expect(backends.receiver.received.map((callback) => callback.body.event_id).sort()).toEqual(
      [...ids].sort(),
    );
    expect(backends.receiver.received.every((callback) => callback.body.success)).toBe(true);
  }, 60_000);

  it('fails what the memory queue could not finish in the grace, tells the callers, exits 0', async () => {
    backends.receiver.received.length = 0;
    ollama.behave({ latencyMs: 30_000 });
    const single = await backends.start(
      { SHUTDOWN_GRACE_MS: '300', MAX_CONCURRENT_REQUESTS: '2' },
      { standalone: true },
    );
    const before = chatCalls(ollama);
    for (const id of ['mem-1', 'mem-2', 'mem-3'])
      await postInteraction(single.url, mentionBody(id, backends.receiver.url, `user-${id}`));
    await waitFor(() => (chatCalls(ollama) >= before + 2 ? true : undefined), 10_000);

    const stopping = Date.now();
    expect(await single.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(
      backends.receiver.received
        .map((callback) => [callback.body.event_id, callback.body.success, callback.body.error])
        .sort(),
    ).toEqual([
      ['mem-1', false, 'shutdown'],
      ['mem-2', false, 'shutdown'],
      // Never started (two ran at once): told all the same.
      ['mem-3', false, 'shutdown'],
    ]);
  }, 60_000);

  it('exits at once on a second signal', async () => {
    ollama.behave({ latencyMs: 30_000 });
    // LOG_LEVEL info: the process says when the first signal has started the graceful close.
    const single = await backends.start(
      { SHUTDOWN_GRACE_MS: '20000', LOG_LEVEL: 'info' },
      { standalone: true },
    );
    const before = chatCalls(ollama);
    await postInteraction(single.url, mentionBody('twice-1', backends.receiver.url, 'user-twice'));
    await waitFor(() => (chatCalls(ollama) > before ? true : undefined), 10_000);
    single.child.kill('SIGTERM');
    await waitFor(() => single.output().includes('"msg":"closing"'), 10_000, 'the graceful close to start');
    const stopping = Date.now();
    const exit = await single.stop('SIGTERM');
    expect(Date.now() - stopping).toBeLessThan(3000);
    expect(exit.code).toBe(1);
  }, 60_000);
});

describe('SIGTERM on the OpenAI API', () => {
  let upstream: FakeServer;
  let chatgate: ChatgateProcess | undefined;
  beforeAll(async () => {
    upstream = await startFakeOpenAI();
  });
  afterAll(async () => {
    await chatgate?.stop('SIGKILL');
    await upstream?.close();
  });

  it('answers a completion 503 and ends a stream with an error event past the grace, logs each, exits 0', async () => {
    chatgate = await startChatgate({
      DEFAULT_PROVIDER: 'openai',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      DEFAULT_MODEL: 'llama3.2',
      SHUTDOWN_GRACE_MS: '300',
      LOG_LEVEL: 'info',
    });
    const post = (body: Record<string, unknown>) =>
      fetch(`${chatgate?.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'chatgate/auto',
          messages: [{ role: 'user', content: 'hi' }],
          ...body,
        }),
      });
    const calls = () => upstream.calls.filter((call) => call.path === '/v1/chat/completions');

    // A completion the upstream never answers, and a stream that takes 30 s.
    upstream.behave({ hang: true });
    const plain = post({});
    await waitFor(() => calls().length === 1, 10_000, 'the completion to reach the upstream');
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    upstream.behave({ hang: false, reply: words, chunkDelayMs: 100 });
    const stream = liveBody(await post({ stream: true }));
    await stream.until((text) => text.includes('word1'), 10_000, 'the first deltas');

    const exit = chatgate.stop('SIGTERM');
    const answer = await plain;
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: { type: 'server_error', code: 'shutting_down' } });
    const events = sseEvents(await stream.rest());
    expect(events).not.toContain('[DONE]');
    expect(events.at(-1)).toMatchObject({ error: { type: 'server_error', code: 'shutting_down' } });
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(calls().every((call) => call.closedEarly)).toBe(true);

    const cut = chatgate
      .output()
      .split('\n')
      .filter((line) => line.includes('"action":"shutdown"'))
      .map((line) => JSON.parse(line) as { level: number; route: string; stream: boolean; reqId: string });
    expect(cut.map((line) => [line.level, line.route, line.stream]).sort()).toEqual([
      [40, '/v1/chat/completions', false],
      [40, '/v1/chat/completions', true],
    ]);
    expect(cut.every((line) => line.reqId.length > 0)).toBe(true);
  }, 60_000);
});
