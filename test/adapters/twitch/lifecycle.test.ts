/**
 * The connection's life against the fake server through real tmi.js: start, reconnect after a
 * dropped socket and after RECONNECT (with rejoin and status reconnecting → online), a refused login
 * (offline, a clear error without the token, no retry), the watchdog restarting a silent connection,
 * and a graceful PART + disconnect on stop. tmi.js's reconnect delay is cut to 50 ms for speed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTwitchAdapter } from '../../../adapters/twitch/adapter.js';
import { type FakeTwitch, startFakeTwitch } from '../../fakes/fake-twitch.js';
import { eventually, fakeConfig, type Running, startAdapter, viewerLine, waitJoined } from './harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let fake: FakeTwitch | undefined;
let running: Running | undefined;
afterEach(async () => {
  await running?.adapter.stop();
  await fake?.close();
  running = undefined;
  fake = undefined;
});

async function online(
  config: Parameters<typeof fakeConfig>[1] = {},
  fakeOptions: Parameters<typeof startFakeTwitch>[0] = {},
): Promise<{ fake: FakeTwitch; running: Running }> {
  fake = await startFakeTwitch(fakeOptions);
  running = await startAdapter(fake, fakeConfig(fake, config));
  expect(running.adapter.state()).toMatchObject({ platform: 'twitch', status: 'online' });
  return { fake, running };
}

describe('twitch adapter lifecycle', () => {
  it('is not built without a username or token', () => {
    const base = { channels: [], secure: true, knownBots: [], maxReplyParts: 2, watchdogMs: 600_000 };
    expect(createTwitchAdapter({ ...base, username: 'bot' })).toBeUndefined();
    expect(createTwitchAdapter({ ...base, oauthToken: 'oauth:x' })).toBeUndefined();
    expect(createTwitchAdapter({ ...base, username: 'bot', oauthToken: 'oauth:x' })).toBeDefined();
  });

  it('connects (connecting → online), joins its channels and reports traffic', async () => {
    const { fake, running } = await online({ channels: ['mychan', '#OtherChan'] });
    await waitJoined(fake, ['mychan', 'otherchan']);
    expect(running.statuses).toEqual(['connecting', 'online']);
    expect(running.adapter.state().lastEventAt).toBeGreaterThan(Date.now() - 5_000);
    expect(fake.received.map((line) => line.line)).toEqual(
      expect.arrayContaining([
        'CAP REQ :twitch.tv/tags twitch.tv/commands',
        'NICK chatgatebot',
        'JOIN #mychan',
      ]),
    );
  });

  it('reconnects after the server drops the socket, rejoins, and goes reconnecting → online', async () => {
    const { fake, running } = await online();
    fake.dropConnections();
    await eventually(() => fake.connectionCount() === 2 && running.adapter.state().status === 'online');
    await waitJoined(fake, ['mychan']);
    expect(running.statuses).toEqual(['connecting', 'online', 'reconnecting', 'online']);
    fake.inject(viewerLine('mychan', 'after-drop', 'still there?'));
    await eventually(() => running.host.events.some((event) => event.id === 'twitch:after-drop'));
  });

  it('reconnects on RECONNECT, rejoins, and goes reconnecting → online', async () => {
    const { fake, running } = await online();
    fake.sendReconnect();
    await eventually(() => fake.connectionCount() === 2 && running.adapter.state().status === 'online');
    await waitJoined(fake, ['mychan']);
    expect(running.statuses).toEqual(['connecting', 'online', 'reconnecting', 'online']);
  });

  it('keeps replies sent while reconnecting and delivers them once back in the channel', async () => {
    const { fake, running } = await online();
    fake.inject(viewerLine('mychan', 'q-1', 'question?'));
    const event = await eventually(() => running.host.events.find((found) => found.id === 'twitch:q-1'));
    fake.dropConnections();
    await eventually(() => running.adapter.state().status === 'reconnecting');
    await running.adapter.send({ event, text: 'answer after the outage' });
    const reply = await eventually(() =>
      fake.privmsgs.find((message) => message.text === 'answer after the outage'),
    );
    expect(reply.connection).toBe(2);
    expect(reply.tags['reply-parent-msg-id']).toBe('q-1');
  });

  it('reports a refused login clearly, without the token, and does not retry', async () => {
    fake = await startFakeTwitch({ token: 'oauth:righttoken' });
    running = await startAdapter(fake, fakeConfig(fake, { oauthToken: 'oauth:wrongsecret42' }), {}, false);
    expect(running.adapter.state().status).toBe('offline');
    const error = running.adapter.state().error ?? '';
    expect(error).toMatch(/Twitch login failed for chatgatebot: Login authentication failed/);
    expect(error).not.toContain('wrongsecret42');
    await sleep(500); // 10 reconnect delays
    expect(fake.connectionCount()).toBe(1);
    expect(running.statuses).toEqual(['connecting', 'offline']);
  });

  it('watchdog: restarts a connection that went silent (after a PING probe)', async () => {
    const { fake, running } = await online({ watchdogMs: 400 });
    fake.silence();
    await eventually(
      () => fake.connectionCount() === 2 && running.adapter.state().status === 'online',
      5_000,
    );
    await waitJoined(fake, ['mychan']);
    const probes = fake.received.filter(
      (line) => line.connection === 1 && line.line === 'PING :chatgate-watchdog',
    );
    expect(probes).toHaveLength(1);
    expect(running.statuses).toEqual(['connecting', 'online', 'reconnecting', 'online']);
  });

  it('watchdog: leaves a quiet but healthy connection alone (the probe is answered)', async () => {
    const { fake } = await online({ watchdogMs: 200 });
    await sleep(1_000);
    expect(fake.connectionCount()).toBe(1);
    expect(fake.received.filter((line) => line.line === 'PING :chatgate-watchdog').length).toBeGreaterThan(0);
  });

  it('stops gracefully: PART, disconnect, offline, no reconnect', async () => {
    const { fake, running } = await online();
    await running.adapter.stop();
    expect(running.adapter.state().status).toBe('offline');
    // Written before the socket closed; the fake reads it when its turn on the event loop comes.
    await eventually(() => fake.received.some((line) => line.line === 'PART #mychan'));
    await eventually(() => fake.openConnectionCount() === 0);
    await sleep(300);
    expect(fake.connectionCount()).toBe(1);
    expect(fake.joinedChannels()).toEqual([]);
  });

  it('joins and parts channels at run time', async () => {
    const { fake, running } = await online();
    await running.adapter.joinChannel('#NewChan');
    await waitJoined(fake, ['mychan', 'newchan']);
    await running.adapter.partChannel('mychan');
    await eventually(() => !fake.joinedChannels().includes('mychan'));
    expect(running.adapter.channels()).toEqual(['newchan']);
  });

  it('leaves a channel parted while its JOIN was still in flight', async () => {
    // A slow network: the JOIN's echo arrives 300 ms after the server took it.
    const { fake, running } = await online({}, { joinEchoDelayMs: 300 });
    await running.adapter.joinChannel('racechan');
    // The fake has the JOIN, the client has not yet seen its echo: part right now.
    await eventually(() => fake.received.some((line) => line.line === 'JOIN #racechan'));
    await running.adapter.partChannel('racechan');
    await eventually(() => fake.received.some((line) => line.line === 'PART #racechan'));
    await eventually(() => !fake.joinedChannels().includes('racechan'));
    expect(running.adapter.channels()).toEqual(['mychan']);
  });
});
