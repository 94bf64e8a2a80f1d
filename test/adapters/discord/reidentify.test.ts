/**
 * Invalid Session (op 9) that cannot be resumed: discord.js identifies anew on the same client and
 * the adapter is online again. Slow on purpose: discord.js spaces identifies of a shard 5 s apart
 * (plus up to 1.5 s jitter), as Discord requires
 * (https://discord.com/developers/docs/events/gateway#session-start-limit-object), so this test has
 * a file of its own and runs beside the others.
 */
import { afterAll, expect, it } from 'vitest';
import type { PlatformAdapter } from '../../../src/core/adapter.js';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.js';
import { waitFor } from '../../support/wait-for.js';
import { recordingHost, settle, startAdapter, TOKEN } from './support.js';

const GUILD = '800000000000000100';
const CHANNEL = '800000000000000101';
let fake: FakeDiscord | undefined;
let adapter: PlatformAdapter | undefined;

afterAll(async () => {
  await adapter?.stop();
  await fake?.close();
});

it('Invalid Session (op 9, not resumable): identifies anew, online again, events flow', {
  timeout: 12_000,
}, async () => {
  fake = await startFakeDiscord({
    token: TOKEN,
    user: { id: '800000000000000001', username: 'chatgate', bot: true },
    guilds: [{ id: GUILD, channels: [{ id: CHANNEL }] }],
  });
  const f = fake;
  const host = recordingHost();
  adapter = await startAdapter(f, host);
  f.send({ op: 9, d: false, s: null, t: null });
  await waitFor(() => (adapter?.state().status === 'reconnecting' ? true : undefined));
  const identified = () => f.received.filter((p) => p.op === 2).length;
  await waitFor(
    () => (identified() === 2 && adapter?.state().status === 'online' ? true : undefined),
    10_000,
  );
  expect(f.received.filter((p) => p.op === 6)).toHaveLength(0);
  expect(await settle(f, host, { guildId: GUILD, channelId: CHANNEL })).toEqual([]);
});
