import { expect, it } from 'vitest';
import { PASS_THROUGH_PARAMS } from '../../src/ai/providers/honoured-params.js';
import type { ProviderKind } from '../../src/ai/providers/provider.js';
import { expectOpenAIShape } from '../support/openai-spec.js';
import { useOpenAIUpstreams } from '../support/openai-upstreams.js';
import { describeNeeding } from '../support/requirements.js';

const API_KEY = 'sk-test-params-1234';

/** One spec-valid value of each parameter chatgate passes through (issue 17, item 2). */
const PARAMS = {
  reasoning_effort: 'high',
  verbosity: 'low',
  metadata: { team: 'moderation', ticket: '42' },
  user: 'user-1234',
  safety_identifier: 'sha256-of-a-login',
  prompt_cache_key: 'chatgate-faq-v1',
  service_tier: 'flex',
} as const;

const ask = (extra: Record<string, unknown> = {}) => ({
  model: 'chatgate/auto',
  messages: [{ role: 'user', content: 'what is the weather?' }],
  ...extra,
});

describeNeeding(
  ['openai-spec'],
  'OpenAI API: reasoning_effort, verbosity and the other pass-through parameters',
  () => {
    const h = useOpenAIUpstreams(API_KEY);
    const { complete, chatBodies } = h;

    /** The app with `provider` as the default community's provider (model llama3.2 on both fakes). */
    const start = (provider: ProviderKind = 'ollama', mode: 'hybrid' | 'local' = 'hybrid') =>
      h.startWith({ provider, mode });

    it('the parameters used here are valid OpenAI chat completion requests (the spec is the judge)', () => {
      expectOpenAIShape('CreateChatCompletionRequest', ask(PARAMS));
    });

    it.each(['/v1/chat/completions', '/api/v1/ai/chat/completions'])(
      '%s passes each one to an OpenAI-compatible upstream unchanged, streamed too, and names none ignored',
      async (url) => {
        await start('openai');
        const plain = await complete(ask({ ...PARAMS, model: 'llama3.2' }), url);
        expect(plain.statusCode, plain.body).toBe(200);
        expect(plain.headers['x-chatgate-provider']).toBe('openai');
        expect(plain.headers['x-chatgate-ignored-params']).toBeUndefined();
        expectOpenAIShape('CreateChatCompletionResponse', plain.json());

        const streamed = await complete(ask({ ...PARAMS, stream: true }), url);
        expect(streamed.statusCode).toBe(200);
        expect(streamed.headers['content-type']).toContain('text/event-stream');
        expect(streamed.headers['x-chatgate-ignored-params']).toBeUndefined();
        expect(streamed.body).toContain('data: [DONE]');

        const bodies = chatBodies(h.openai);
        expect(bodies).toHaveLength(2);
        for (const body of bodies) expect(body).toMatchObject(PARAMS);
      },
    );

    it('leaves out a parameter sent as null (OpenAI’s default), and sends none the caller did not', async () => {
      await start('openai');
      const nulls = Object.fromEntries(Object.keys(PARAMS).map((key) => [key, null]));
      expect((await complete(ask(nulls))).statusCode).toBe(200);
      expect((await complete(ask())).statusCode).toBe(200);
      for (const body of chatBodies(h.openai)) {
        for (const param of PASS_THROUGH_PARAMS) expect(body).not.toHaveProperty(param);
      }
    });

    it.each([
      ['none', false],
      ['minimal', 'low'],
      ['low', 'low'],
      ['medium', 'medium'],
      ['high', 'high'],
      ['xhigh', 'high'],
      ['max', 'high'],
    ] as const)('on Ollama, reasoning_effort %s becomes think %s', async (effort, think) => {
      await start('ollama');
      const response = await complete(ask({ reasoning_effort: effort }));
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-chatgate-provider']).toBe('ollama');
      expect(response.headers['x-chatgate-ignored-params']).toBeUndefined();
      expect(chatBodies(h.ollama)[0]?.think).toBe(think);
    });

    it('on Ollama, no reasoning_effort sends no think: the model keeps its own default', async () => {
      await start('ollama');
      expect((await complete(ask())).statusCode).toBe(200);
      expect(chatBodies(h.ollama)[0]).not.toHaveProperty('think');
    });

    it('on Ollama, names in x-chatgate-ignored-params what Ollama has no field for, and sends none of it', async () => {
      await start('ollama');
      const ignored = 'verbosity,metadata,user,safety_identifier,prompt_cache_key,service_tier';
      const plain = await complete(ask(PARAMS));
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['x-chatgate-ignored-params']).toBe(ignored);
      const streamed = await complete(ask({ ...PARAMS, stream: true }));
      expect(streamed.headers['x-chatgate-ignored-params']).toBe(ignored);
      // Only what the caller sent is named.
      const some = await complete(ask({ reasoning_effort: 'low', service_tier: 'auto' }));
      expect(some.headers['x-chatgate-ignored-params']).toBe('service_tier');
      for (const body of chatBodies(h.ollama)) {
        expect(body.think).toBeDefined();
        for (const param of PASS_THROUGH_PARAMS) expect(body).not.toHaveProperty(param);
      }
    });

    it('on the local responder, names every one of them ignored: after a fallback and in local mode', async () => {
      await start('ollama');
      h.ollama.behave({ fail: { status: 503 } });
      const all = PASS_THROUGH_PARAMS.join(',');
      const fallback = await complete(ask(PARAMS));
      expect(fallback.statusCode).toBe(200);
      expect(fallback.json()).toMatchObject({ model: 'local-responder' });
      expect(fallback.headers['x-chatgate-fallback']).toContain('ollama: HTTP 503');
      expect(fallback.headers['x-chatgate-ignored-params']).toBe(all);

      await h.app.close();
      await h.services.close();
      await start('ollama', 'local');
      const streamed = await complete(ask({ ...PARAMS, stream: true }));
      expect(streamed.headers['x-chatgate-provider']).toBe('local');
      expect(streamed.headers['x-chatgate-ignored-params']).toBe(all);
    });

    it.each([
      ['reasoning_effort', 'extreme'],
      ['reasoning_effort', true],
      ['verbosity', 'loud'],
      ['service_tier', 'gold'],
      ['metadata', 'team=moderation'],
      ['metadata.team', { team: 7 }],
      ['metadata.long', { long: 'x'.repeat(513) }],
      ['metadata', Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))],
      ['metadata', { ['k'.repeat(65)]: 'v' }],
      ['safety_identifier', 'x'.repeat(65)],
      ['safety_identifier', 42],
      ['prompt_cache_key', { key: 'a' }],
      ['user', ['a']],
    ])('refuses %s = %j with a 400 naming it, before any upstream call', async (param, value) => {
      await start('openai');
      const key = param.split('.')[0] as string;
      const response = await complete(ask({ [key]: value }));
      expect(response.statusCode).toBe(400);
      const body = response.json() as { error: { param: string; type: string } };
      expectOpenAIShape('ErrorResponse', body);
      expect(body.error).toMatchObject({ param, type: 'invalid_request_error' });
      expect(chatBodies(h.openai)).toHaveLength(0);
    });

    it.each(['top_k', 'reasoning', 'think', 'min_p'])(
      'still refuses %s, which OpenAI’s chat completions do not have, naming it',
      async (param) => {
        await start('openai');
        const response = await complete(ask({ ...PARAMS, [param]: 1 }));
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: {
            message: `Unrecognized request argument supplied: ${param}`,
            type: 'invalid_request_error',
            param,
            code: 'unknown_parameter',
          },
        });
        expect(chatBodies(h.openai)).toHaveLength(0);
      },
    );
  },
);
