/**
 * The provider half of the fault matrix (issue 19), at the system level: chatgate built as the
 * service builds it, driven only through its routes, with a chain of a fake OpenAI-compatible
 * upstream (first link) → a fake Ollama (second link) → the local responder (last). Each row injects
 * one fault into the first link and asserts what a user of chatgate sees: who answered and why
 * (`x-chatgate-provider` / `x-chatgate-fallback` headers, the interaction's `reply`, its callback),
 * how often the upstream was called, and the breaker state in `/api/v1/ai/status`, `/health/ready`
 * and `/metrics`.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DeepPartial, deepMerge } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Services } from '../../src/services.js';
import type { FakeServer } from '../fakes/behaviour.js';
import { startFakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI } from '../fakes/fake-openai.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { interactionBody } from '../support/events.js';
import { testApp, testConfig } from '../support/services.js';
import { sseEvents } from '../support/sse-events.js';
import { waitFor } from '../support/wait-for.js';

const OPENAI_REPLY = 'The first link answers.';
const OLLAMA_REPLY = 'The second link answers.';
/** One attempt's timeout (and a stream's first-byte timeout), ms: far above a fake's answer time. */
const ATTEMPT_TIMEOUT_MS = 5000;
const MAX_ATTEMPTS = 3;
/**
 * For the rows whose fault is a timeout: short attempts, and two of them, so that a hang costs
 * ~1 s; still long enough for the second link's fake to answer on a loaded machine.
 */
const SHORT_TIMEOUTS = { requestTimeoutMs: 500, firstByteTimeoutMs: 500, retry: { maxAttempts: 2 } };

let openai: FakeServer;
let ollama: FakeServer;
let callbacks: CallbackReceiver;
let services: Services | undefined;
let app: FastifyInstance;
let config: Config;

beforeAll(async () => {
  [openai, ollama, callbacks] = await Promise.all([
    startFakeOpenAI(),
    startFakeOllama(),
    startCallbackReceiver(),
  ]);
});
afterAll(() => Promise.all([openai.close(), ollama.close(), callbacks.close()]));
afterEach(async () => {
  await app?.close();
  await services?.close();
  services = undefined;
  await Promise.all([openai.up(), ollama.up()]);
  openai.reset();
  ollama.reset();
  callbacks.received.length = 0;
});

/**
 * Starts chatgate with the chain openai (the fake) → ollama (the fake) → local, in hybrid mode,
 * `MAX_ATTEMPTS` attempts of `ATTEMPT_TIMEOUT_MS` per link, and `overrides` on top.
 */
async function start(overrides: DeepPartial<Config> = {}): Promise<void> {
  openai.behave({ reply: OPENAI_REPLY });
  ollama.behave({ reply: OLLAMA_REPLY });
  const chain: DeepPartial<Config> = {
    ai: {
      mode: 'hybrid',
      provider: 'openai',
      fallbackProvider: 'ollama',
      model: 'llama3.2',
      openai: { baseUrl: `${openai.url}/v1` },
      ollama: { host: ollama.url },
      requestTimeoutMs: ATTEMPT_TIMEOUT_MS,
      firstByteTimeoutMs: ATTEMPT_TIMEOUT_MS,
      retry: { maxAttempts: MAX_ATTEMPTS },
    },
  };
  config = testConfig(deepMerge(chain, overrides) as DeepPartial<Config>);
  ({ services, app } = await testApp(config));
}

/** The chat completion calls the fake upstream received (not its model lists). */
const chatCalls = (fake: FakeServer) =>
  fake.calls.filter((call) => call.path.endsWith('/chat/completions') || call.path === '/api/chat');

const question = (extra: Record<string, unknown> = {}) => ({
  model: 'chatgate/auto',
  messages: [{ role: 'user', content: 'what is the weather?' }],
  ...extra,
});

const complete = (payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/v1/chat/completions', payload });

/** What a user sees of one answer: who answered, why an earlier link did not, and the text. */
interface Seen {
  provider: string;
  fallbackReason: string | undefined;
  text: string;
}

/** One way in: asks chatgate one question and returns what its caller sees of the answer. */
type Surface = () => Promise<Seen>;

const SURFACES: Record<string, Surface> = {
  'POST /v1/chat/completions': async () => {
    const response = await complete(question());
    expect(response.statusCode, response.body).toBe(200);
    return {
      provider: String(response.headers['x-chatgate-provider']),
      fallbackReason: response.headers['x-chatgate-fallback'] as string | undefined,
      text: response.json().choices[0].message.content,
    };
  },
  'POST /v1/chat/completions, stream: true': async () => {
    const response = await complete(question({ stream: true }));
    expect(response.statusCode, response.body).toBe(200);
    const events = sseEvents(response.body);
    // A stream that fell back before its first byte is whole: it ends with [DONE].
    expect(events.at(-1)).toBe('[DONE]');
    return {
      provider: String(response.headers['x-chatgate-provider']),
      fallbackReason: response.headers['x-chatgate-fallback'] as string | undefined,
      text: streamedText(events),
    };
  },
  'POST /api/v1/ai/interaction (reply and callback)': async () => {
    const ack = await app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      payload: interactionBody({ callback_url: callbacks.url }),
    });
    expect(ack.statusCode, ack.body).toBe(202);
    const id: string = ack.json().interaction_id;
    const done = await finished(id);
    expect(done.status).toBe('done');
    // The caller's callback carries the same answer, as a success.
    const callback = await waitFor(
      () => callbacks.received.find((c) => c.body.interaction_id === id),
      10_000,
      'the callback',
    );
    expect(callback.body).toMatchObject({ success: true, response_data: { message: done.reply.text } });
    const status = { openai: 'healthy', ollama: 'degraded', local: 'offline' }[done.reply.provider as string];
    expect(done.reply.service_status).toBe(status);
    return {
      provider: done.reply.provider,
      fallbackReason: done.reply.fallback_reason ?? undefined,
      text: done.reply.text,
    };
  },
};

/** The interaction's log entry once it has finished (done or failed). */
async function finished(id: string) {
  return waitFor(
    async () => {
      const body = (await app.inject({ method: 'GET', url: `/api/v1/ai/interaction/${id}` })).json();
      return ['done', 'failed'].includes(body.status) ? body : undefined;
    },
    15_000,
    `interaction ${id} to finish`,
  );
}

/** The content of a streamed answer's chunks, joined. */
function streamedText(events: unknown[]): string {
  return events
    .map((event) => (event as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content)
    .filter((content) => typeof content === 'string')
    .join('');
}

/** The first link's entry in `/api/v1/ai/status`. */
async function openaiStatus(): Promise<{
  breaker: string;
  counts: { successes: number; failures: number; rejected: number };
}> {
  const status = (await app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
  const link = status.providers.find((p: { provider: string }) => p.provider === 'openai');
  expect(link, JSON.stringify(status.providers)).toBeDefined();
  return link;
}

/** The first link's breaker as `/health/ready` and `/metrics` show it (0 closed, 1 open, 2 half-open). */
async function openaiBreakerElsewhere(): Promise<{ ready: string; gauge: number }> {
  const ready = (await app.inject({ method: 'GET', url: '/health/ready' })).json();
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = metrics.split('\n').find((l) => l.startsWith('chatgate_breaker_state{provider="openai"'));
  return {
    ready: ready.checks.providers[`openai ${openai.url}/v1`],
    gauge: Number(line?.split(' ').at(-1)),
  };
}

/** `chatgate_provider_errors_total` for one provider and code, from `/metrics` (0 when absent). */
async function providerErrors(provider: string, code: string): Promise<number> {
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const prefix = `chatgate_provider_errors_total{provider="${provider}",code="${code}"} `;
  const line = metrics.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(prefix.length)) : 0;
}

interface FaultRow {
  fault: string;
  /** Puts the fault in place (both fakes answer normally otherwise). */
  inject: () => Promise<void> | void;
  /** Who answers, and the `fallback_reason` / `x-chatgate-fallback` that says why. */
  provider: 'ollama' | 'local';
  reason: string;
  /** The first link's code in `chatgate_provider_errors_total` (counted once per request). */
  code: string;
  /** Failed attempts on the first link, as `counts.failures` in status. */
  attempts: number;
  /** Chat calls its upstream receives (a closed port records none). */
  openaiCalls: number;
  /** Each attempt was abandoned at its timeout (the fake saw the request close early). */
  timedOut?: boolean;
  /** `ai` settings of this row over the file's (`SHORT_TIMEOUTS` for the timeout rows). */
  ai?: DeepPartial<Config['ai']>;
}

/** Every attempt of the first link fails: the next link answers, saying why. */
const FALLBACK_ROWS: FaultRow[] = [
  {
    fault: 'refuses the connection (closed port)',
    inject: () => openai.down(),
    provider: 'ollama',
    reason: 'openai: connection',
    code: 'connection',
    attempts: MAX_ATTEMPTS,
    openaiCalls: 0,
  },
  {
    fault: 'resets the connection without an answer',
    inject: () => openai.behave({ drop: true }),
    provider: 'ollama',
    reason: 'openai: connection',
    code: 'connection',
    attempts: MAX_ATTEMPTS,
    openaiCalls: MAX_ATTEMPTS,
  },
  {
    fault: 'hangs (never answers)',
    inject: () => openai.behave({ hang: true }),
    provider: 'ollama',
    reason: 'openai: timeout',
    code: 'timeout',
    attempts: 2,
    openaiCalls: 2,
    timedOut: true,
    ai: SHORT_TIMEOUTS,
  },
  {
    fault: 'stalls after its headers and the first bytes of its body',
    inject: () => openai.behave({ chunkBytes: 8, chunkDelayMs: 30_000 }),
    provider: 'ollama',
    reason: 'openai: timeout',
    code: 'timeout',
    attempts: 2,
    openaiCalls: 2,
    timedOut: true,
    ai: SHORT_TIMEOUTS,
  },
  {
    fault: 'answers 500 on every attempt',
    inject: () => openai.behave({ fail: { status: 500 } }),
    provider: 'ollama',
    reason: 'openai: HTTP 500',
    code: 'http',
    attempts: MAX_ATTEMPTS,
    openaiCalls: MAX_ATTEMPTS,
  },
  {
    fault: 'answers 429 on every attempt, without retry-after',
    inject: () => openai.behave({ fail: { status: 429 } }),
    provider: 'ollama',
    reason: 'openai: HTTP 429',
    code: 'http',
    attempts: MAX_ATTEMPTS,
    openaiCalls: MAX_ATTEMPTS,
  },
  {
    fault: 'answers 200 with a body that is not JSON (garbage, or cut mid-body)',
    inject: () => openai.behave({ garbage: true }),
    provider: 'ollama',
    reason: 'openai: bad_response',
    code: 'bad_response',
    // An unreadable answer is not retried: asking again would get the same.
    attempts: 1,
    openaiCalls: 1,
  },
  {
    fault: 'answers 401 (a wrong key)',
    inject: () => openai.behave({ fail: { status: 401 } }),
    provider: 'ollama',
    reason: 'openai: HTTP 401',
    code: 'http',
    // Not retried: a 4xx says the request, not the moment, was wrong.
    attempts: 1,
    openaiCalls: 1,
  },
  {
    fault: 'refuses, and so does the second link',
    inject: async () => {
      await Promise.all([openai.down(), ollama.down()]);
    },
    provider: 'local',
    reason: 'openai: connection; ollama: connection',
    code: 'connection',
    attempts: MAX_ATTEMPTS,
    openaiCalls: 0,
  },
];

const MATRIX = FALLBACK_ROWS.flatMap((row) =>
  Object.entries(SURFACES).map(([surface, ask]) => ({ ...row, surface, ask })),
);

describe('fault matrix: the first provider link fails (openai → ollama → local)', () => {
  it.each(MATRIX)('$fault, via $surface → $provider answers, fallback "$reason"', async (row) => {
    await start({ ai: row.ai ?? {} });
    await row.inject();
    const started = performance.now();
    const seen = await row.ask();
    expect(seen).toEqual({
      provider: row.provider,
      fallbackReason: row.reason,
      text: row.provider === 'ollama' ? OLLAMA_REPLY : expect.any(String),
    });
    expect(chatCalls(openai)).toHaveLength(row.openaiCalls);
    if (row.timedOut) {
      // Each attempt was given up at its timeout (the request closed), then the next link asked.
      expect(chatCalls(openai).every((call) => call.closedEarly)).toBe(true);
      expect(performance.now() - started).toBeGreaterThanOrEqual(
        row.openaiCalls * SHORT_TIMEOUTS.requestTimeoutMs,
      );
    }
    // A few failures, under the threshold: the breaker is still closed, and counted each attempt.
    const link = await openaiStatus();
    expect(link.breaker).toBe('closed');
    expect(link.counts).toEqual({ successes: 0, failures: row.attempts, rejected: 0 });
    expect(await providerErrors('openai', row.code)).toBe(1);
  });

  it('says so on the OpenAI API when the local responder answers: model local-responder, x-should-retry false', async () => {
    await start();
    await Promise.all([openai.down(), ollama.down()]);
    const response = await complete(question());
    expect(response.statusCode).toBe(200);
    expect(response.json().model).toBe('local-responder');
    expect(response.headers).toMatchObject({
      'x-chatgate-provider': 'local',
      'x-chatgate-mode': 'local',
      'x-should-retry': 'false',
    });
  });
});

describe('fault matrix: no link can answer (remote mode, offline replies off)', () => {
  const remoteOnly = { ai: { mode: 'remote', offlineResponses: false } } as const;

  it('the OpenAI API answers 503 in OpenAI’s shape, naming each link’s failure, with retry-after', async () => {
    await start(remoteOnly);
    await Promise.all([openai.down(), ollama.down()]);
    const response = await complete(question());
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toEqual({
      error: {
        message: expect.stringContaining('openai: connection; ollama: connection'),
        type: 'server_error',
        param: null,
        code: 'service_unavailable',
      },
    });
  });

  it('the interaction fails, visibly: its log entry says why, the callback says success false, queue.failed counts it', async () => {
    await start(remoteOnly);
    await Promise.all([openai.down(), ollama.down()]);
    const ack = await app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      payload: interactionBody({ callback_url: callbacks.url }),
    });
    const id: string = ack.json().interaction_id;
    const done = await finished(id);
    expect(done).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('openai: connection; ollama: connection'),
    });
    const callback = await waitFor(() => callbacks.received.find((c) => c.body.interaction_id === id));
    expect(callback.body).toMatchObject({ success: false, error: expect.any(String) });
    const status = (await app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
    expect(status.queue.failed.count).toBe(1);
  });
});

describe('fault matrix: a provider that 500s repeatedly trips its breaker', () => {
  /**
   * Opens after 5 failed attempts; half-opens 3 s later (room for the calls made while it is open,
   * on a loaded machine); closes after 2 answered trial calls.
   */
  const BREAKER = { failureThreshold: 5, halfOpenAfterMs: 3000, successThreshold: 2 };

  it('opens (visible in status, readiness and metrics), skips the link without calling it, half-opens and closes once healthy', async () => {
    await start({ ai: { breaker: BREAKER } });
    openai.behave({ fail: { status: 500 } });

    // 1st call: 3 failed attempts (breaker still closed) → ollama.
    let seen = await SURFACES['POST /v1/chat/completions']!();
    expect(seen).toMatchObject({ provider: 'ollama', fallbackReason: 'openai: HTTP 500' });
    expect((await openaiStatus()).breaker).toBe('closed');
    // 2nd call: attempts 4 and 5 fail, the breaker opens and stops the third attempt.
    seen = await SURFACES['POST /v1/chat/completions']!();
    expect(seen).toMatchObject({ provider: 'ollama', fallbackReason: 'openai: breaker_open' });
    expect(chatCalls(openai)).toHaveLength(BREAKER.failureThreshold);
    expect(await openaiStatus()).toMatchObject({ breaker: 'open', counts: { failures: 5, successes: 0 } });
    expect(await openaiBreakerElsewhere()).toEqual({ ready: 'open', gauge: 1 });

    // While open, the link is skipped without a call, on every surface.
    for (const ask of Object.values(SURFACES)) {
      expect(await ask()).toMatchObject({ provider: 'ollama', fallbackReason: 'openai: breaker_open' });
    }
    expect(chatCalls(openai)).toHaveLength(BREAKER.failureThreshold);
    const refusals = Object.keys(SURFACES).length + 1;
    expect((await openaiStatus()).counts.rejected).toBe(refusals);
    expect(await providerErrors('openai', 'breaker_open')).toBe(refusals);

    // The upstream heals; after the cool-down the breaker half-opens on its own (no call needed).
    openai.behave({ fail: { status: 500, times: 0 } });
    await waitFor(async () => (await openaiStatus()).breaker === 'half_open', 10_000, 'half-open');
    expect(await openaiBreakerElsewhere()).toEqual({ ready: 'half_open', gauge: 2 });

    // Trial calls reach the upstream and answer; after `successThreshold` of them it is closed.
    for (let trial = 1; trial <= BREAKER.successThreshold; trial++) {
      expect(await SURFACES['POST /v1/chat/completions']!()).toEqual({
        provider: 'openai',
        fallbackReason: undefined,
        text: OPENAI_REPLY,
      });
    }
    expect(chatCalls(openai)).toHaveLength(BREAKER.failureThreshold + BREAKER.successThreshold);
    expect((await openaiStatus()).breaker).toBe('closed');
    expect(await openaiBreakerElsewhere()).toEqual({ ready: 'closed', gauge: 0 });
  });
});

describe('fault matrix: a provider that refuses the request (4xx) repeatedly', () => {
  it('falls back each time at once, and never opens its breaker: a 4xx says nothing about the endpoint', async () => {
    await start({ ai: { breaker: { failureThreshold: 2 } } });
    openai.behave({ fail: { status: 401 } });
    for (let i = 0; i < 4; i++) {
      expect(await SURFACES['POST /v1/chat/completions']!()).toMatchObject({
        provider: 'ollama',
        fallbackReason: 'openai: HTTP 401',
      });
    }
    expect(chatCalls(openai)).toHaveLength(4);
    expect((await openaiStatus()).breaker).toBe('closed');
    expect(await openaiBreakerElsewhere()).toEqual({ ready: 'closed', gauge: 0 });
  });
});

/** 429 once with `Retry-After`, then answers: each case with its cap (`RETRY_MAX_DELAY_MS`) and the wait it asks for. */
const RETRY_AFTER_ROWS = [
  ...Object.keys(SURFACES).map((surface) => ({
    wait: 'retry-after 1 s within a 3 s cap: waits 1 s',
    surface,
    retryAfterS: 1,
    capMs: 3000,
    waitMs: 1000,
  })),
  {
    wait: 'retry-after 10 s over a 1.5 s cap: waits the cap',
    surface: 'POST /v1/chat/completions',
    retryAfterS: 10,
    capMs: 1500,
    waitMs: 1500,
  },
];

describe('fault matrix: 429 with retry-after', () => {
  it.each(RETRY_AFTER_ROWS)('$wait, via $surface → the same provider answers, no fallback', async (row) => {
    await start({ ai: { retry: { maxDelayMs: row.capMs } } });
    openai.behave({ fail: { status: 429, times: 1, retryAfter: row.retryAfterS } });
    const seen = await SURFACES[row.surface]!();
    expect(seen).toEqual({ provider: 'openai', fallbackReason: undefined, text: OPENAI_REPLY });
    const [first, second] = chatCalls(openai);
    expect(chatCalls(openai)).toHaveLength(2);
    // Date.now() of the fake's two arrivals: allow its millisecond rounding.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(row.waitMs - 2);
    expect(chatCalls(ollama)).toHaveLength(0);
    expect(await openaiStatus()).toMatchObject({
      breaker: 'closed',
      counts: { successes: 1, failures: 1, rejected: 0 },
    });
  });
});

describe('fault matrix: a stream cut midway', () => {
  it.each([
    ['the upstream connection is reset', false],
    ['the upstream ends its body without a finish or [DONE]', true],
  ])('%s: the client gets what was sent, then an error event, never [DONE]', async (_name, cleanly) => {
    await start();
    // Parts: the role chunk, then one per word; cut after "one two".
    openai.behave({
      reply: 'one two three four',
      cutAfterParts: 3,
      cutCleanly: cleanly,
      chunkDelayMs: 20,
    });
    const response = await complete(question({ stream: true }));
    expect(response.statusCode).toBe(200);
    // Bytes had gone out before the cut: no fallback is possible any more, the first link owns it.
    expect(response.headers['x-chatgate-provider']).toBe('openai');
    expect(response.headers['x-chatgate-fallback']).toBeUndefined();
    const events = sseEvents(response.body);
    expect(events).not.toContain('[DONE]');
    expect(streamedText(events)).toBe('one two');
    expect(
      events.some((e) => (e as { choices?: { finish_reason?: unknown }[] }).choices?.[0]?.finish_reason),
    ).toBe(false);
    expect(events.at(-1)).toEqual({
      error: {
        message: expect.any(String),
        type: 'server_error',
        param: null,
        code: 'stream_interrupted',
      },
    });
    expect(chatCalls(ollama)).toHaveLength(0);
  });
});

describe('fault matrix: a stream that stalls midway', () => {
  it('the client gets what was sent, then at STREAM_TIMEOUT_MS an error event, never [DONE]', async () => {
    await start({ ai: { streamTimeoutMs: 1000 } });
    // The first 400 bytes hold the role chunk and "one" whole (the first byte is in), then silence.
    openai.behave({ reply: 'one two three four', chunkBytes: 400, chunkDelayMs: 30_000 });
    const response = await complete(question({ stream: true }));
    expect(response.headers['x-chatgate-provider']).toBe('openai');
    const events = sseEvents(response.body);
    expect(events).not.toContain('[DONE]');
    expect(streamedText(events)).toBe('one');
    expect(events.at(-1)).toEqual({
      error: { message: expect.any(String), type: 'server_error', param: null, code: 'stream_timeout' },
    });
    // The upstream request was closed, not left open behind the client's back.
    await waitFor(() => chatCalls(openai)[0]?.closedEarly, 5000, 'the upstream request to close');
  });
});

describe('fault matrix: a stream cut before its first content', () => {
  it('the upstream sends only its role chunk, then resets: nothing was said yet, so the next link answers whole', async () => {
    await start();
    openai.behave({ cutAfterParts: 1, chunkDelayMs: 20 });
    const seen = await SURFACES['POST /v1/chat/completions, stream: true']!();
    expect(seen).toEqual({ provider: 'ollama', fallbackReason: 'openai: connection', text: OLLAMA_REPLY });
  });
});

describe('fault matrix: the caller sends a request chatgate cannot build', () => {
  /** `levels` nested object schemas: JSON deeper than the limit of 64. */
  const deepSchema = (levels: number) => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < levels; level++) schema = { type: 'object', properties: { a: schema } };
    return schema;
  };
  const deepTool = { type: 'function', function: { name: 'lookup', parameters: deepSchema(5_000) } };

  it.each([
    ['an unknown field', { frobnicate: true }, 'frobnicate'],
    ['tools[].function.parameters 5,000 levels deep', { tools: [deepTool] }, 'tools[0].function.parameters'],
    [
      'tools[].function.parameters 5,000 levels deep, streaming',
      { stream: true, tools: [deepTool] },
      'tools[0].function.parameters',
    ],
  ])(
    '%s → 400 in OpenAI’s shape naming it; no upstream call, the breaker untouched',
    async (_name, extra, param) => {
      await start({ ai: { breaker: { failureThreshold: 1 } } });
      // One answered call first, so that the link (and its counts) exists in status.
      await SURFACES['POST /v1/chat/completions']!();
      for (let i = 0; i < 5; i++) {
        const response = await complete(question(extra));
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: {
            message: expect.stringContaining(param),
            type: 'invalid_request_error',
            param,
            code: expect.any(String),
          },
        });
      }
      expect(chatCalls(openai)).toHaveLength(1);
      expect(chatCalls(ollama)).toHaveLength(0);
      expect(await openaiStatus()).toEqual(
        expect.objectContaining({ breaker: 'closed', counts: { successes: 1, failures: 0, rejected: 0 } }),
      );
    },
  );
});
