import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { interactionBody } from '../support/events.js';
import { useFakeOllamaApp } from '../support/fake-ollama-app.js';
import { waitFor } from '../support/wait-for.js';

const CALLER = 'caller-key-0001';
const ADMIN = 'admin-key-0001';
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const CONFIG_URL = '/api/v1/communities/twitch:channel:77/config';

describe('community configuration, sessions and the admin rule', () => {
  const h = useFakeOllamaApp();
  /** Every log line, at the most verbose level, to check what never reaches the logs. */
  let logLines: string[] = [];

  async function start() {
    logLines = [];
    const logger = createLogger('trace', { write: (line: string) => void logLines.push(line) });
    await h.start({ auth: { apiKeys: [CALLER], adminKey: ADMIN } }, { logger });
  }

  const writeConfig = (payload: object, method: 'PUT' | 'PATCH' = 'PUT') =>
    h.app.inject({ method, url: CONFIG_URL, headers: as(ADMIN), payload });

  it('answers 401 without a key and 403 with a caller key on every admin route', async () => {
    await start();
    const adminRoutes = [
      ['GET', '/api/v1/communities'],
      ['GET', CONFIG_URL],
      ['PUT', CONFIG_URL],
      ['PATCH', CONFIG_URL],
      ['DELETE', CONFIG_URL],
      ['GET', '/api/v1/sessions/a%7Cb%7Cc'],
      ['DELETE', '/api/v1/sessions/a%7Cb%7Cc'],
      ['GET', '/api/v1/ai/interactions'],
      ['POST', '/api/v1/ai/admin/mode'],
    ] as const;
    for (const [method, url] of adminRoutes) {
      expect(
        (await h.app.inject({ method, url, payload: {} })).statusCode,
        `${method} ${url} without key`,
      ).toBe(401);
      expect(
        (await h.app.inject({ method, url, headers: as(CALLER), payload: {} })).statusCode,
        `${method} ${url} as caller`,
      ).toBe(403);
      const asAdmin = (await h.app.inject({ method, url, headers: as(ADMIN), payload: {} })).statusCode;
      expect([401, 403], `${method} ${url} as admin`).not.toContain(asAdmin);
    }
    // The caller's own routes take the caller key, not nothing.
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).statusCode).toBe(401);
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/v1/ai/status', headers: as(CALLER) })).statusCode,
    ).toBe(200);
  });

  it('stores a config with PUT, never returns its API key, and steers the next interaction', async () => {
    await start();
    const put = await writeConfig({
      provider: 'ollama',
      model: 'qwen3:0.6b',
      system_prompt: 'You are Captain Chat, a pirate.',
      temperature: 0.3,
      api_key: 'sk-community-secret-9876',
      triggers: { greeting: { enabled: false } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      stored: true,
      model: 'qwen3:0.6b',
      has_api_key: true,
      api_key_last4: '9876',
    });
    expect(put.body).not.toContain('sk-community-secret');
    const read = await h.app.inject({ method: 'GET', url: CONFIG_URL, headers: as(ADMIN) });
    expect(read.body).not.toContain('sk-community-secret');
    expect(read.json()).toMatchObject({ temperature: 0.3, triggers: { greeting: { enabled: false } } });

    const event = (text: string) =>
      interactionBody({
        platform: 'twitch',
        community_id: 'twitch:channel:77',
        channel_id: 'chan',
        user: { id: `u-${text.length}`, login: 'viewer' },
        text,
      });
    const ignored = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      headers: as(CALLER),
      payload: event('hello all'),
    });
    expect(ignored.json()).toMatchObject({ status: 'ignored', reason: 'no_trigger' });
    const ack = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/ai/interaction',
        headers: as(CALLER),
        payload: event('@chatgate ahoy there'),
      })
    ).json();
    await waitFor(async () => {
      const body = (
        await h.app.inject({
          method: 'GET',
          url: `/api/v1/ai/interaction/${ack.interaction_id}`,
          headers: as(CALLER),
        })
      ).json();
      return body.status === 'done' ? body : undefined;
    });
    const sent = h.ollama.calls.find((call) => call.path === '/api/chat')?.body as {
      model: string;
      options: { temperature: number };
      messages: { role: string; content: string }[];
    };
    expect(sent.model).toBe('qwen3:0.6b');
    expect(sent.options.temperature).toBe(0.3);
    expect(sent.messages[0]?.content).toContain('You are Captain Chat, a pirate.');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain('sk-community-secret');
  });

  it('names every bad field of a PUT in one 400', async () => {
    await start();
    const response = await writeConfig({
      temperature: 3,
      max_tokens: 0,
      provider: 'gpt',
      colour: 'blue',
      system_prompt: 'x'.repeat(4001),
    });
    expect(response.statusCode).toBe(400);
    const { detail } = response.json();
    for (const field of ['temperature', 'max_tokens', 'provider', 'colour', 'system_prompt'])
      expect(detail).toContain(`${field}:`);
    const personality = await writeConfig({ personality: 'grumpy' });
    expect(personality.json().detail).toContain(
      'personality: must be one of friendly|general|creative|supportive|fun|random',
    );
  });

  it('says what a field needs: every rule it breaks (and), each branch of a union (or)', async () => {
    await start();
    const { detail } = (
      await writeConfig({
        colour: 'blue',
        base_url: 'not a url',
        api_key: '',
      })
    ).json();
    expect(detail.split('; ').sort()).toEqual([
      'api_key: must not have fewer than 1 characters or must be null',
      'base_url: must match format "uri" and must match pattern "^https?://"',
      'colour: is not a configuration field',
    ]);
    const grace = async (value: unknown) =>
      (await writeConfig({ triggers: { question: { human_grace_ms: value } } })).json().detail;
    expect(await grace('soon')).toBe('triggers.question.human_grace_ms: must be 0 or must be integer');
    expect(await grace(100.5)).toBe(
      'triggers.question.human_grace_ms: must be 0 or must be integer and must be >= 5000',
    );
  });

  it('merges with PATCH, lists communities, and deletes back to the defaults', async () => {
    await start();
    await writeConfig({ model: 'qwen3:0.6b', temperature: 1.1 });
    const patched = await writeConfig({ temperature: 0.5 }, 'PATCH');
    expect(patched.json()).toMatchObject({ model: 'qwen3:0.6b', temperature: 0.5 });
    const list = (
      await h.app.inject({ method: 'GET', url: '/api/v1/communities?limit=10', headers: as(ADMIN) })
    ).json();
    expect(list).toMatchObject({ total: 1, communities: [{ community_id: 'twitch:channel:77' }] });
    expect((await h.app.inject({ method: 'DELETE', url: CONFIG_URL, headers: as(ADMIN) })).statusCode).toBe(
      204,
    );
    expect((await h.app.inject({ method: 'GET', url: CONFIG_URL, headers: as(ADMIN) })).json()).toMatchObject(
      {
        stored: false,
        model: null,
      },
    );
    expect((await h.app.inject({ method: 'DELETE', url: CONFIG_URL, headers: as(ADMIN) })).statusCode).toBe(
      404,
    );
  });

  it('shows and clears a conversation session', async () => {
    await start();
    const ack = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/ai/interaction',
        headers: as(CALLER),
        payload: interactionBody({ user: { id: 'u1' }, text: '@chatgate hi' }),
      })
    ).json();
    await waitFor(async () =>
      (await h.services.interactions.get(ack.interaction_id))?.status === 'done' ? true : undefined,
    );
    const url = `/api/v1/sessions/${encodeURIComponent('api:demo|demo|u1')}`;
    const session = (await h.app.inject({ method: 'GET', url, headers: as(ADMIN) })).json();
    expect(session.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    expect((await h.app.inject({ method: 'DELETE', url, headers: as(ADMIN) })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url, headers: as(ADMIN) })).json().messages).toEqual([]);
  });
});
