/**
 * The connection's life against the fake gateway: login (intents, plain JSON), a bad token reported
 * once and not retried, resume after Reconnect (op 7) or a dropped socket, re-identify after an
 * Invalid Session (op 9), a refused intent explained, a failed start retried, the traffic
 * watchdog, and a clean stop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordAdapter } from '../../../adapters/discord/adapter.js';
import type { PlatformAdapter } from '../../../src/core/adapter.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from '../../fakes/fake-discord.js';
import { waitFor } from '../../support/wait-for.js';
import {
  configFor,
  type RecordingHost,
  recordingHost,
  settle,
  sleep,
  startAdapter,
  TOKEN,
} from './support.js';

const GUILD = '700000000000000100';
const CHANNEL = '700000000000000101';
const home = { guildId: GUILD, channelId: CHANNEL };

let fake: FakeDiscord | undefined;
let adapter: PlatformAdapter | undefined;

async function setUp(options: Partial<FakeDiscordOptions> = {}): Promise<FakeDiscord> {
  fake = await startFakeDiscord({
    token: TOKEN,
    user: { id: '700000000000000001', username: 'chatgate', bot: true },
    guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }],
    ...options,
  });
  return fake;
}

afterEach(async () => {
  await adapter?.stop();
  await fake?.close();
  adapter = undefined;
  fake = undefined;
});

const ops = (f: FakeDiscord, op: number): number => f.received.filter((p) => p.op === op).length;
const statuses = (host: RecordingHost): string[] =>
  host.logs
    .map((line) => JSON.parse(line) as { msg: string; status?: string })
    .flatMap((l) => l.status ?? []);

describe('Discord connection', () => {
  it('is not created without a token', () => {
    const roles = { allowedRoles: [], moderatorRoleIds: [], vipRoleIds: [], subscriberRoleIds: [] };
    const config = { apiUrl: 'https://discord.com/api', allowedChannels: [], ...roles };
    expect(createDiscordAdapter({ ...config, memberJoinGreetings: false, shards: 'single' })).toBeUndefined();
  });

  it('logs in over plain JSON v10 with the intents of the config, then is online', async () => {
    const f = await setUp();
    const host = recordingHost();
    adapter = await startAdapter(f, host, { memberJoinGreetings: true });
    expect(f.connections).toEqual(['v=10&encoding=json']);
    const identify = f.received.find((p) => p.op === 2)?.d as { intents: number; compress: boolean };
    // Guilds 1, GuildMembers 2, GuildModeration 4, GuildMessages 512, DirectMessages 4096, MessageContent 32768
    expect(identify).toMatchObject({ intents: 1 | 2 | 4 | 512 | 4096 | 32768, compress: false });
    expect(adapter.state()).toMatchObject({ platform: 'discord', status: 'online' });
    expect(adapter.state().lastEventAt).toBeGreaterThan(0);
    expect(statuses(host)).toEqual(['connecting', 'online']);
  });

  it('asks for GuildMembers only with member-join greetings', async () => {
    const f = await setUp();
    adapter = await startAdapter(f, recordingHost());
    expect(f.received.find((p) => p.op === 2)?.d).toMatchObject({ intents: 1 | 4 | 512 | 4096 | 32768 });
  });

  it('a token refused by REST (401): offline with a clear error, no retry, token never logged', async () => {
    const f = await setUp();
    const host = recordingHost();
    adapter = createDiscordAdapter(configFor(f, { token: 'wrong-token-abcdef' }), { retryDelayMs: 10 });
    await adapter?.start(host);
    await sleep(200);
    expect(adapter?.state()).toMatchObject({
      status: 'offline',
      error: expect.stringContaining('DISCORD_TOKEN'),
    });
    expect(f.requests.filter((r) => r.path.endsWith('/gateway/bot'))).toHaveLength(1);
    expect(f.connections).toHaveLength(0);
    expect(host.logs.join('\n')).not.toContain('wrong-token-abcdef');
    expect(adapter?.state().error).not.toContain('wrong-token-abcdef');
  });

  it('a token refused by the gateway (close 4004): offline, explained, not retried', async () => {
    const f = await setUp({ restAuth: false });
    const host = recordingHost();
    adapter = createDiscordAdapter(configFor(f, { token: 'wrong-token-abcdef' }), { retryDelayMs: 10 });
    await adapter?.start(host);
    expect(adapter?.state()).toMatchObject({ status: 'offline', error: expect.stringContaining('4004') });
    await sleep(650); // discord.js would reconnect after 500 ms if it meant to
    expect(f.connections).toHaveLength(1);
    expect(host.logs.join('\n')).not.toContain('wrong-token-abcdef');
  });

  it('Reconnect (op 7): resumes the session and is online again, events flow', async () => {
    const f = await setUp();
    const host = recordingHost();
    adapter = await startAdapter(f, host);
    f.send({ op: 7, d: null, s: null, t: null });
    await waitFor(() => (ops(f, 6) === 1 && adapter?.state().status === 'online' ? true : undefined));
    expect(f.received.find((p) => p.op === 6)?.d).toMatchObject({ session_id: 'fake-session-1' });
    expect(ops(f, 2)).toBe(1);
    expect(statuses(host)).toEqual(['connecting', 'online', 'reconnecting', 'online']);
    expect(await settle(f, host, home)).toEqual([]);
  });

  it('a dropped socket (close 4000): resumes and is online again', async () => {
    const f = await setUp();
    const host = recordingHost();
    adapter = await startAdapter(f, host);
    f.closeSocket(4000);
    await waitFor(() => (ops(f, 6) === 1 && adapter?.state().status === 'online' ? true : undefined));
    expect(f.connections).toHaveLength(2);
    expect(statuses(host)).toContain('reconnecting');
  });

  it('Invalid Session (op 9, resumable): resumes on the same socket', async () => {
    const f = await setUp();
    adapter = await startAdapter(f, recordingHost());
    f.send({ op: 9, d: true, s: null, t: null });
    await waitFor(() => (ops(f, 6) === 1 && adapter?.state().status === 'online' ? true : undefined));
    expect(f.connections).toHaveLength(1);
  });

  it('a refused privileged intent (close 4014) while online: offline, says which switch to turn on', async () => {
    const f = await setUp();
    adapter = await startAdapter(f, recordingHost());
    f.closeSocket(4014);
    await waitFor(() => (adapter?.state().status === 'offline' ? true : undefined));
    expect(adapter.state().error).toMatch(/Privileged Gateway Intents.*Message Content Intent/);
    await sleep(650);
    expect(f.connections).toHaveLength(1);
  });

  it('a start that fails for a passing reason (5xx) is retried with backoff', async () => {
    const f = await setUp();
    f.failNext(4, 502); // discord.js's REST tries 4 times, then login fails
    const host = recordingHost();
    adapter = createDiscordAdapter(configFor(f), { retryDelayMs: 50 });
    await adapter?.start(host);
    expect(adapter?.state()).toMatchObject({ status: 'reconnecting', error: expect.stringContaining('502') });
    await waitFor(() => (adapter?.state().status === 'online' ? true : undefined));
    expect(adapter?.state().error).toBeUndefined();
  });

  it('the watchdog restarts a connection that delivers nothing while it claims to be online', async () => {
    const f = await setUp({ heartbeatIntervalMs: 60_000 });
    const host = recordingHost();
    adapter = await startAdapter(f, host, {}, { watchdogMs: 300 });
    await waitFor(() => (ops(f, 2) === 2 && adapter?.state().status === 'online' ? true : undefined));
    expect(host.logs.some((line) => line.includes('no gateway traffic'))).toBe(true);
  });

  it('stop closes the gateway normally and is offline', async () => {
    const f = await setUp();
    adapter = await startAdapter(f, recordingHost());
    await adapter.stop();
    expect(adapter.state().status).toBe('offline');
    await sleep(650);
    expect(f.connections).toHaveLength(1);
    const event: ChatEvent = {
      id: 'discord:1',
      platform: 'discord',
      type: 'message',
      communityId: `discord:guild:${GUILD}`,
      channelId: CHANNEL,
      text: 'hi',
      user: { id: '2', login: 'someone', displayName: 'someone', isBot: false, roles: [] },
      isDirect: false,
      mentionsBot: true,
      meta: {},
      receivedAt: Date.now(),
    };
    await expect(adapter.send({ event, text: 'x' })).rejects.toMatchObject({ code: 'platform_unavailable' });
  });
});
