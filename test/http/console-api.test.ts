/**
 * The console's API: `GET /api/v1/console/snapshot`, `/interactions` and `/events` (server-sent
 * events read with undici's fetch over loopback, as the console reads them). The admin key sees
 * every community; a client key its own, read-only; an integration key is refused.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { interactionBody } from '../support/events.js';
import { useFakeOllamaApp } from '../support/fake-ollama-app.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN_KEY = 'console-admin-key';
const API_KEY = 'console-api-key1';
const CLIENT_KEY = 'console-client-key';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** The events of an open stream, in order; `next(name)` resolves with the next one of that name. */
function eventReader(body: AsyncIterable<Uint8Array>) {
  const seen: EventSourceMessage[] = [];
  const waiters: (() => void)[] = [];
  const parser = createParser({
    onEvent: (message) => {
      seen.push(message);
      for (const wake of waiters.splice(0)) wake();
    },
  });
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of body) parser.feed(decoder.decode(chunk, { stream: true }));
  })().catch(() => undefined);
  let read = 0;
  return {
    /** The data (parsed) of the next event named `name`, skipping others. */
    async next(name: string): Promise<Record<string, unknown>> {
      for (;;) {
        while (read < seen.length) {
          const message = seen[read++] as EventSourceMessage;
          if (message.event === name) return JSON.parse(message.data);
        }
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
  };
}

describe('the console API', () => {
  const h = useFakeOllamaApp();
  const start = () =>
    h.start({ auth: { apiKeys: [API_KEY], clientKeys: [CLIENT_KEY], adminKey: ADMIN_KEY } });
  const get = (url: string, key: string) => h.app.inject({ url, headers: bearer(key) });
  async function send(overrides: Record<string, unknown>) {
    const accepted = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      headers: bearer(API_KEY),
      payload: interactionBody(overrides),
    });
    return accepted.json().interaction_id as string;
  }
  const settled = (id: string) =>
    waitFor(async () => {
      const body = (await get(`/api/v1/ai/interaction/${id}`, API_KEY)).json();
      return ['done', 'ignored', 'failed'].includes(body.status) ? body : undefined;
    });

  it('gives the admin everything in one snapshot, a client key its community, an integration key 403', async () => {
    await start();
    const ignored = await send({ community_id: 'api:demo', text: 'lol', user: { id: 'u1', login: 'Ann' } });
    const own = await send({ community_id: 'api:default', text: '@chatgate hi there?' });
    await settled(ignored);
    await settled(own);

    const admin = (await get('/api/v1/console/snapshot', ADMIN_KEY)).json();
    expect(admin.scope).toEqual({ kind: 'admin', community_id: null, read_only: false });
    expect(admin.status.mode).toBe('hybrid');
    expect(admin.status.providers[0].provider).toBe('ollama');
    expect(admin.interactions.map((row: { interaction_id: string }) => row.interaction_id)).toEqual([
      own,
      ignored,
    ]);
    expect(admin.communities).toEqual(
      expect.arrayContaining([
        { community_id: 'api:demo', paused: false },
        { community_id: 'api:default', paused: false },
      ]),
    );
    expect(admin.channels.api).toEqual(['demo']);

    const client = (await get('/api/v1/console/snapshot', CLIENT_KEY)).json();
    expect(client.scope).toEqual({ kind: 'client', community_id: 'api:default', read_only: true });
    expect(client.interactions.map((row: { interaction_id: string }) => row.interaction_id)).toEqual([own]);
    expect(client.communities).toEqual([{ community_id: 'api:default', paused: false }]);

    const integration = await get('/api/v1/console/snapshot', API_KEY);
    expect(integration.statusCode).toBe(403);
    expect(integration.json().detail).toContain('admin key or a client key');
    expect((await h.app.inject({ url: '/api/v1/console/snapshot' })).statusCode).toBe(401);
  });

  it('searches by user, reason and time, kept to the client key’s community', async () => {
    await start();
    const ignored = await send({ community_id: 'api:demo', text: 'lol', user: { id: 'u1', login: 'Ann' } });
    await settled(ignored);
    const ids = async (query: string, key = ADMIN_KEY) =>
      (await get(`/api/v1/console/interactions?${query}`, key))
        .json()
        .interactions.map((row: { interaction_id: string }) => row.interaction_id);
    expect(await ids('user=ann&status=ignored&reason=no_trigger')).toEqual([ignored]);
    expect(await ids('channel_id=demo&since=2000-01-01T00:00:00Z')).toEqual([ignored]);
    expect(await ids('until=2000-01-01T00:00:00Z')).toEqual([]);
    expect(await ids('reason=cooldown')).toEqual([]);
    // The same filters on the admin list route.
    const listed = await get('/api/v1/ai/interactions?user=u1&reason=no_trigger', ADMIN_KEY);
    expect(listed.json().interactions.map((row: { interaction_id: string }) => row.interaction_id)).toEqual([
      ignored,
    ]);
    // A client key: its own community whatever it asks for.
    expect(await ids('status=ignored', CLIENT_KEY)).toEqual([]);
    expect(await ids('community_id=api:demo', CLIENT_KEY)).toEqual([]);

    const bad = await get('/api/v1/console/interactions?since=last+tuesday', ADMIN_KEY);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('querystring.since');
  });

  it('streams a snapshot, then each interaction as it changes, then the status', async () => {
    await start();
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const abort = new AbortController();
    const response = await fetch(`${base}/api/v1/console/events`, {
      headers: { ...bearer(ADMIN_KEY), accept: 'text/event-stream' },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = eventReader(response.body as AsyncIterable<Uint8Array>);
    const snapshot = await events.next('snapshot');
    expect(snapshot.interactions).toEqual([]);

    const id = await send({ community_id: 'api:demo', text: '@chatgate what is up?' });
    for (;;) {
      const event = await events.next('interaction');
      expect(event.interaction_id).toBe(id);
      if (event.status === 'done') {
        expect((event.reply as { provider: string }).provider).toBe('ollama');
        break;
      }
    }
    const status = await events.next('status');
    expect(status.queue).toMatchObject({ size: 0, running: 0 });
    abort.abort();

    // A client key's stream carries its own community only; the app's close ends open streams.
    const client = await fetch(`${base}/api/v1/console/events`, { headers: bearer(CLIENT_KEY) });
    const clientEvents = eventReader(client.body as AsyncIterable<Uint8Array>);
    await clientEvents.next('snapshot');
    await send({ community_id: 'api:demo', text: 'lol' });
    const own = await send({ community_id: 'api:default', text: 'lol' });
    expect((await clientEvents.next('interaction')).interaction_id).toBe(own);
    await h.app.close();
  });

  it('refuses a stream to an integration key before it opens, and answers HEAD without one', async () => {
    await start();
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const refused = await fetch(`${base}/api/v1/console/events`, { headers: bearer(API_KEY) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error_code: string }).error_code).toBe('forbidden');
    // HEAD answers the head and ends (no stream held open).
    const head = await fetch(`${base}/api/v1/console/events`, { method: 'HEAD', headers: bearer(ADMIN_KEY) });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toContain('text/event-stream');
  });
});
