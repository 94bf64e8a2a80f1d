/**
 * The provider half of the fault matrix (issue 19), at the system level: chatgate built as the
 * service builds it, driven only through its routes, with a chain of a fake OpenAI-compatible
 * upstream (first link) → a fake Ollama (second link) → the local responder (last). Each row injects
 * one fault into the first link and asserts what a user of chatgate sees: who answered and why
 * (`x-chatgate-provider` / `x-chatgate-fallback` headers, the interaction's `reply`, its callback),
 * how often the upstream was called, and the breaker state in `/api/v1/ai/status`, `/health/ready`
 * and `/metrics`.
 */
import { describe, expect, it } from 'vitest';
import type { DeepPartial } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { interactionBody } from '../support/events.js';
import { sseEvents } from '../support/sse-events.js';
import { waitFor } from '../support/wait-for.js';
import {
  chatCalls,
  MAX_ATTEMPTS,
  OLLAMA_REPLY,
  OPENAI_REPLY,
  question,
  SURFACE_NAMES,
  type SurfaceName,
  streamedText,
  useProviderChain,
} from './provider-chain.js';

const h = useProviderChain();

/**
 * For the rows whose fault is a timeout: short attempts, and two of them, so that a hang costs
 * ~1 s; still long enough for the second link's fake to answer on a loaded machine.
 */
const SHORT_TIMEOUTS = { requestTimeoutMs: 500, firstByteTimeoutMs: 500, retry: { maxAttempts: 2 } };

interface FaultRow {
  fault: string;
  /** Puts the fault in place (both fakes answer normally otherwise). */
  inject: () => Promise<void> | void;
  /** Who answers, and the `fallback_reason` / `x-chatgate-fallback` that says why. */
  provider: 'ollama' | 'local';
  reason: string;
  /** The first link's code in `chatgate_provider_errors_total` (counted once per request). */
  code: string;
  /** Failed attempts on the first link: `counts.failures` in status, or `counts.refused` for a 4xx. */
  attempts: number;
  /** The upstream refused the request (a 4xx): counted as `refused`, never toward the breaker. */
  refused?: true;
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
    inject: () => h.openai.down(),
    provider: 'ollama',
    reason: 'openai: connection',
    code: 'connection',
    attempts: MAX_ATTEMPTS,
    openaiCalls: 0,
  },
  {
    fault: 'resets the connection without an answer',
    inject: () => h.openai.behave({ drop: true }),
    provider: 'ollama',
    reason: 'openai: connection',
    code: 'connection',
    attempts: MAX_ATTEMPTS,
    openaiCalls: MAX_ATTEMPTS,
  },
  {
    fault: 'hangs (never answers)',
    inject: () => h.openai.behave({ hang: true }),
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
    inject: () => h.openai.behave({ chunkBytes: 8, chunkDelayMs: 30_000 }),
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
    inject: () => h.openai.behave({ fail: { status: 500 } }),
    provider: 'ollama',
    reason: 'openai: HTTP 500',
    code: 'http',
    attempts: MAX_ATTEMPTS,
    openaiCalls: MAX_ATTEMPTS,
  },
  {
    fault: 'answers 429 on every attempt, without retry-after',
    inject: () => h.openai.behave({ fail: { status: 429 } }),
    provider: 'ollama',
    reason: 'openai: HTTP 429',
    code: 'http',
    attempts: MAX_ATTEMPTS,
    openaiCalls: MAX_ATTEMPTS,
  },
  {
    fault: 'answers 200 with a body that is not JSON (garbage, or cut mid-body)',
    inject: () => h.openai.behave({ garbage: true }),
    provider: 'ollama',
    reason: 'openai: bad_response',
    code: 'bad_response',
    // An unreadable answer is not retried: asking again would get the same.
    attempts: 1,
    openaiCalls: 1,
  },
  {
    fault: 'answers 401 (a wrong key)',
    inject: () => h.openai.behave({ fail: { status: 401 } }),
    provider: 'ollama',
    reason: 'openai: HTTP 401',
    code: 'http',
    // Not retried: a 4xx says the request, not the moment, was wrong.
    attempts: 1,
    refused: true,
    openaiCalls: 1,
  },
  {
    fault: 'refuses, and so does the second link',
    inject: async () => {
      await Promise.all([h.openai.down(), h.ollama.down()]);
    },
    provider: 'local',
    reason: 'openai: connection; ollama: connection',
    code: 'connection',
    attempts: MAX_ATTEMPTS,
    openaiCalls: 0,
  },
];

const MATRIX = FALLBACK_ROWS.flatMap((row) => SURFACE_NAMES.map((surface) => ({ ...row, surface })));

describe('fault matrix: the first provider link fails (openai → ollama → local)', () => {
  it.each(MATRIX)('$fault, via $surface → $provider answers, fallback "$reason"', async (row) => {
    await h.start({ ai: row.ai ?? {} });
    await row.inject();
    const started = performance.now();
    const seen = await h.ask(row.surface);
    expect(seen).toEqual({
      provider: row.provider,
      fallbackReason: row.reason,
      text: row.provider === 'ollama' ? OLLAMA_REPLY : expect.any(String),
    });
    expect(chatCalls(h.openai)).toHaveLength(row.openaiCalls);
    if (row.timedOut) {
      // Each attempt was given up at its timeout (the request closed), then the next link asked.
      expect(chatCalls(h.openai).every((call) => call.closedEarly)).toBe(true);
      expect(performance.now() - started).toBeGreaterThanOrEqual(
        row.openaiCalls * SHORT_TIMEOUTS.requestTimeoutMs,
      );
    }
    // A few failures, under the threshold: the breaker is still closed, and counted each attempt.
    const link = await h.openaiStatus();
    expect(link.breaker).toBe('closed');
    expect(link.counts).toEqual({
      successes: 0,
      failures: row.refused ? 0 : row.attempts,
      refused: row.refused ? row.attempts : 0,
      rejected: 0,
    });
    expect(await h.providerErrors('openai', row.code)).toBe(1);
  });

  it('says so on the OpenAI API when the local responder answers: model local-responder, x-should-retry false', async () => {
    await h.start();
    await Promise.all([h.openai.down(), h.ollama.down()]);
    const response = await h.complete(question());
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
    await h.start(remoteOnly);
    await Promise.all([h.openai.down(), h.ollama.down()]);
    const response = await h.complete(question());
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
    await h.start(remoteOnly);
    await Promise.all([h.openai.down(), h.ollama.down()]);
    const ack = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      payload: interactionBody({ callback_url: h.callbacks.url }),
    });
    const id: string = ack.json().interaction_id;
    const done = await h.finished(id);
    expect(done).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('openai: connection; ollama: connection'),
    });
    const callback = await waitFor(() => h.callbacks.received.find((c) => c.body.interaction_id === id));
    expect(callback.body).toMatchObject({ success: false, error: expect.any(String) });
    const status = (await h.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
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
    await h.start({ ai: { breaker: BREAKER } });
    h.openai.behave({ fail: { status: 500 } });

    // 1st call: 3 failed attempts (breaker still closed) → h.ollama.
    let seen = await h.ask('POST /v1/chat/completions');
    expect(seen).toMatchObject({ provider: 'ollama', fallbackReason: 'openai: HTTP 500' });
    expect((await h.openaiStatus()).breaker).toBe('closed');
    // 2nd call: attempts 4 and 5 fail, the breaker opens and stops the third attempt.
    seen = await h.ask('POST /v1/chat/completions');
    expect(seen).toMatchObject({ provider: 'ollama', fallbackReason: 'openai: breaker_open' });
    expect(chatCalls(h.openai)).toHaveLength(BREAKER.failureThreshold);
    expect(await h.openaiStatus()).toMatchObject({ breaker: 'open', counts: { failures: 5, successes: 0 } });
    expect(await h.openaiBreakerElsewhere()).toEqual({ ready: 'open', gauge: 1 });

    // While open, the link is skipped without a call, on every surface.
    for (const surface of SURFACE_NAMES) {
      expect(await h.ask(surface)).toMatchObject({
        provider: 'ollama',
        fallbackReason: 'openai: breaker_open',
      });
    }
    expect(chatCalls(h.openai)).toHaveLength(BREAKER.failureThreshold);
    const refusals = SURFACE_NAMES.length + 1;
    expect((await h.openaiStatus()).counts.rejected).toBe(refusals);
    expect(await h.providerErrors('openai', 'breaker_open')).toBe(refusals);

    // The upstream heals; after the cool-down the breaker half-opens on its own (no call needed).
    h.openai.behave({ fail: { status: 500, times: 0 } });
    await waitFor(async () => (await h.openaiStatus()).breaker === 'half_open', 10_000, 'half-open');
    // Status reads the clock; the gauge follows on the breaker's own wake-up timer, a moment later.
    const elsewhere = await waitFor(async () => {
      const seen = await h.openaiBreakerElsewhere();
      return seen.gauge === 2 && seen;
    });
    expect(elsewhere).toEqual({ ready: 'half_open', gauge: 2 });

    // Trial calls reach the upstream and answer; after `successThreshold` of them it is closed.
    for (let trial = 1; trial <= BREAKER.successThreshold; trial++) {
      expect(await h.ask('POST /v1/chat/completions')).toEqual({
        provider: 'openai',
        fallbackReason: undefined,
        text: OPENAI_REPLY,
      });
    }
    expect(chatCalls(h.openai)).toHaveLength(BREAKER.failureThreshold + BREAKER.successThreshold);
    expect((await h.openaiStatus()).breaker).toBe('closed');
    expect(await h.openaiBreakerElsewhere()).toEqual({ ready: 'closed', gauge: 0 });
  });
});

describe('fault matrix: a provider that refuses the request (4xx) repeatedly', () => {
  it('falls back each time at once, and never opens its breaker: a 4xx says nothing about the endpoint', async () => {
    await h.start({ ai: { breaker: { failureThreshold: 2 } } });
    h.openai.behave({ fail: { status: 401 } });
    for (let i = 0; i < 4; i++) {
      expect(await h.ask('POST /v1/chat/completions')).toMatchObject({
        provider: 'ollama',
        fallbackReason: 'openai: HTTP 401',
      });
    }
    expect(chatCalls(h.openai)).toHaveLength(4);
    expect((await h.openaiStatus()).breaker).toBe('closed');
    expect(await h.openaiBreakerElsewhere()).toEqual({ ready: 'closed', gauge: 0 });
  });
});

/** 429 once with `Retry-After`, then answers: each case with its cap (`RETRY_MAX_DELAY_MS`) and the wait it asks for. */
const RETRY_AFTER_ROWS: {
  wait: string;
  surface: SurfaceName;
  retryAfterS: number;
  capMs: number;
  waitMs: number;
}[] = [
  ...SURFACE_NAMES.map((surface) => ({
    wait: 'retry-after 1 s within a 3 s cap: waits 1 s',
    surface,
    retryAfterS: 1,
    capMs: 3000,
    waitMs: 1000,
  })),
];

describe('fault matrix: 429 with retry-after', () => {
  it.each(RETRY_AFTER_ROWS)('$wait, via $surface → the same provider answers, no fallback', async (row) => {
    await h.start({ ai: { retry: { maxDelayMs: row.capMs } } });
    h.openai.behave({ fail: { status: 429, times: 1, retryAfter: row.retryAfterS } });
    const seen = await h.ask(row.surface);
    expect(seen).toEqual({ provider: 'openai', fallbackReason: undefined, text: OPENAI_REPLY });
    const [first, second] = chatCalls(h.openai);
    expect(chatCalls(h.openai)).toHaveLength(2);
    // Date.now() of the fake's two arrivals: allow its millisecond rounding.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(row.waitMs - 2);
    expect(chatCalls(h.ollama)).toHaveLength(0);
    expect(await h.openaiStatus()).toMatchObject({
      breaker: 'closed',
      counts: { successes: 1, failures: 1, refused: 0, rejected: 0 },
    });
  });
});

describe('fault matrix: 429 asking for longer than RETRY_MAX_DELAY_MS', () => {
  it.each(SURFACE_NAMES)(
    'retry-after 10 s over a 1.5 s cap, via %s → not asked again: the next link answers at once',
    async (surface) => {
      await h.start({ ai: { retry: { maxDelayMs: 1500 } } });
      h.openai.behave({ fail: { status: 429, times: 1, retryAfter: 10 } });
      const seen = await h.ask(surface);
      expect(seen).toEqual({ provider: 'ollama', fallbackReason: 'openai: HTTP 429', text: OLLAMA_REPLY });
      expect(chatCalls(h.openai)).toHaveLength(1);
    },
  );
});

describe('fault matrix: a stream cut midway', () => {
  it.each([
    ['the upstream connection is reset', false],
    ['the upstream ends its body without a finish or [DONE]', true],
  ])('%s: the client gets what was sent, then an error event, never [DONE]', async (_name, cleanly) => {
    await h.start();
    // Parts: the role chunk, then one per word; cut after "one two".
    h.openai.behave({
      reply: 'one two three four',
      cutAfterParts: 3,
      cutCleanly: cleanly,
      chunkDelayMs: 20,
    });
    const response = await h.complete(question({ stream: true }));
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
    expect(chatCalls(h.ollama)).toHaveLength(0);
  });
});

describe('fault matrix: a stream that stalls midway', () => {
  it('the client gets what was sent, then at STREAM_TIMEOUT_MS an error event, never [DONE]', async () => {
    await h.start({ ai: { streamTimeoutMs: 1000 } });
    // The first 400 bytes hold the role chunk and "one" whole (the first byte is in), then silence.
    h.openai.behave({ reply: 'one two three four', chunkBytes: 400, chunkDelayMs: 30_000 });
    const response = await h.complete(question({ stream: true }));
    expect(response.headers['x-chatgate-provider']).toBe('openai');
    const events = sseEvents(response.body);
    expect(events).not.toContain('[DONE]');
    expect(streamedText(events)).toBe('one');
    expect(events.at(-1)).toEqual({
      error: { message: expect.any(String), type: 'server_error', param: null, code: 'stream_timeout' },
    });
    // The upstream request was closed, not left open behind the client's back.
    await waitFor(() => chatCalls(h.openai)[0]?.closedEarly, 5000, 'the upstream request to close');
  });
});

describe('fault matrix: a stream cut before its first content', () => {
  it('the upstream sends only its role chunk, then resets: nothing was said yet, so the next link answers whole', async () => {
    await h.start();
    h.openai.behave({ cutAfterParts: 1, chunkDelayMs: 20 });
    const seen = await h.ask('POST /v1/chat/completions, stream: true');
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
      await h.start({ ai: { breaker: { failureThreshold: 1 } } });
      // One answered call first, so that the link (and its counts) exists in status.
      await h.ask('POST /v1/chat/completions');
      for (let i = 0; i < 5; i++) {
        const response = await h.complete(question(extra));
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
      expect(chatCalls(h.openai)).toHaveLength(1);
      expect(chatCalls(h.ollama)).toHaveLength(0);
      expect(await h.openaiStatus()).toEqual(
        expect.objectContaining({
          breaker: 'closed',
          counts: { successes: 1, failures: 0, refused: 0, rejected: 0 },
        }),
      );
    },
  );
});
