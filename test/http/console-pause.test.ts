/**
 * `GET|PUT /api/v1/communities/:communityId/pause` (the console's pause switch): a paused community
 * or channel ignores new events with reason `paused`; resuming answers again; bad input is a 400
 * naming the field; only the admin key may use it.
 */
import { describe, expect, it } from 'vitest';
import { interactionBody } from '../support/events.js';
import { useFakeOllamaApp } from '../support/fake-ollama-app.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN_KEY = 'pause-admin-key';
const API_KEY = 'pause-api-key-1';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const PATH = `/api/v1/communities/${encodeURIComponent('api:demo')}/pause`;

describe('pausing a community or a channel', () => {
  const h = useFakeOllamaApp();
  const start = () => h.start({ auth: { apiKeys: [API_KEY], adminKey: ADMIN_KEY } });
  const put = (payload: unknown, key = ADMIN_KEY) =>
    h.app.inject({ method: 'PUT', url: PATH, headers: bearer(key), payload: payload as object });
  /** Sends a question to the bot in `channel` and waits until it is settled; its status and reason. */
  async function ask(channel = 'demo') {
    const accepted = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      headers: bearer(API_KEY),
      payload: interactionBody({ channel_id: channel, text: '@chatgate are you there?' }),
    });
    const id = accepted.json().interaction_id;
    return waitFor(async () => {
      const body = (
        await h.app.inject({ url: `/api/v1/ai/interaction/${id}`, headers: bearer(API_KEY) })
      ).json();
      return ['done', 'ignored', 'failed'].includes(body.status)
        ? { status: body.status, reason: body.reason }
        : undefined;
    });
  }

  it('pauses the whole community until resumed', async () => {
    await start();
    expect((await h.app.inject({ url: PATH, headers: bearer(ADMIN_KEY) })).json()).toEqual({
      community_id: 'api:demo',
      paused: false,
      channel_id: null,
      channel_paused: null,
    });
    const paused = await put({ paused: true });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ community_id: 'api:demo', paused: true });
    expect(await ask('demo')).toEqual({ status: 'ignored', reason: 'paused' });
    expect(await ask('another-channel')).toEqual({ status: 'ignored', reason: 'paused' });
    expect((await put({ paused: false })).json()).toMatchObject({ paused: false });
    expect(await ask('demo')).toEqual({ status: 'done', reason: null });
  });

  it('pauses one channel, as !ai off there would, and reads it back', async () => {
    await start();
    const paused = await put({ paused: true, channel_id: 'demo' });
    expect(paused.json()).toEqual({
      community_id: 'api:demo',
      paused: false,
      channel_id: 'demo',
      channel_paused: true,
    });
    expect(await ask('demo')).toEqual({ status: 'ignored', reason: 'paused' });
    expect(await ask('other')).toEqual({ status: 'done', reason: null });
    const read = await h.app.inject({ url: `${PATH}?channel_id=demo`, headers: bearer(ADMIN_KEY) });
    expect(read.json()).toMatchObject({ channel_id: 'demo', channel_paused: true });
    await put({ paused: false, channel_id: 'demo' });
    expect(await ask('demo')).toEqual({ status: 'done', reason: null });
  });

  it('answers 400 naming the field, and 403 to a key that is not the admin key', async () => {
    await start();
    const bad = await put({ paused: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('paused');
    const missing = await put({});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toContain('paused');
    expect((await put({ paused: true }, API_KEY)).statusCode).toBe(403);
    expect((await h.app.inject({ url: PATH, headers: bearer(ADMIN_KEY) })).json().paused).toBe(false);
  });
});
