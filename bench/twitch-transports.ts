/**
 * Twitch, IRC vs EventSub, same run: a viewer's mention pushed into the fake Twitch until
 * chatgate's reply reaches it (IRC: the PRIVMSG on the fake chat server through tmi.js; EventSub:
 * the notification on the fake EventSub WebSocket until `POST /helix/chat/messages` arrives), through
 * the router, the queue, the worker and a fake Ollama answering at once. Baseline of the same run:
 * the fake Ollama's own round trip from this process. The bot moderates the channel on both
 * transports (IRC: its USERSTATE badge; EventSub: the badges on its own echoed message), so the
 * 100-per-30-s limit applies, and messages are paced under it: the pacing is not what is timed.
 * Run: `npm run bench:twitch-transports` (BENCH_MESSAGES, default 60).
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load.js';
import { BOT_SUBSCRIPTIONS, eventSubEnv } from '../test/adapters/twitch/eventsub/support.js';
import { startFakeOllama } from '../test/fakes/fake-ollama.js';
import { startFakeTwitch } from '../test/fakes/fake-twitch.js';
import { startFakeTwitchHelix } from '../test/fakes/fake-twitch-helix.js';
import { chatMessageEvent } from '../test/fakes/twitch-eventsub-payloads.js';
import { startPipeline } from '../test/support/pipeline.js';
import { waitFor } from '../test/support/wait-for.js';
import { writeResults } from './lib/results.js';
import { latencyRow, modelBaseline, until } from './lib/round-trip.js';
import { percentile, printTable } from './lib/stats.js';

const count = Number(process.env.BENCH_MESSAGES ?? 60);
/** Messages sent first and not measured: connections, JIT and caches warm up. */
const WARMUP = 5;
/** Time between messages, ms: under 100 messages per 30 s (with the scheduler's margin). */
const PACE_MS = 350;
const CHANNEL = { id: '1001', login: 'mychan' };
const BOT = 'chatgatebot';

const pause = () => new Promise((resolve) => setTimeout(resolve, PACE_MS));

const ollama = await startFakeOllama();
// Distinct answers: Twitch refuses a repeated message within 30 s.
let answers = 0;
ollama.behave({ reply: () => `ok ${++answers}` });
setInterval(() => ollama.calls.splice(0), 1000).unref();

const baseline = await modelBaseline(ollama.url, count);

const common = {
  log: { level: 'silent' as const },
  ai: { ollama: { host: ollama.url } },
  // One channel takes every message here: lift the per-channel reply cap.
  limits: { channelReplyCap: { max: 1_000_000, windowMs: 60_000 } },
};

async function ircRoundTrips(): Promise<number[]> {
  const twitch = await startFakeTwitch({
    badges: { [CHANNEL.login]: 'moderator/1' },
    roomIds: { [CHANNEL.login]: CHANNEL.id },
  });
  const config = loadConfig({
    env: {},
    overrides: {
      ...common,
      platforms: {
        twitch: {
          username: BOT,
          oauthToken: 'oauth:faketoken',
          channels: [CHANNEL.login],
          server: '127.0.0.1',
          port: twitch.port,
          secure: false,
        },
      },
    },
  });
  const pipeline = await startPipeline(config);
  await waitFor(() => twitch.joinedChannels().includes(CHANNEL.login), 20_000);
  const times: number[] = [];
  for (let i = 0; i < count + WARMUP; i++) {
    const tags = `@badge-info=;badges=;color=;display-name=U${i};emotes=;id=irc-${i};mod=0;room-id=${CHANNEL.id};subscriber=0;tmi-sent-ts=1700000000000;user-id=${5000 + i};user-type=`;
    const started = performance.now();
    twitch.inject(`${tags} :u${i}!u${i}@u${i}.tmi.twitch.tv PRIVMSG #${CHANNEL.login} :@${BOT} hello`);
    await until(() => twitch.privmsgs.length > i);
    if (i >= WARMUP) times.push(performance.now() - started);
    await pause();
  }
  await pipeline.close();
  await twitch.close();
  return times;
}

async function eventSubRoundTrips(): Promise<number[]> {
  const twitch = await startFakeTwitchHelix({
    users: { [CHANNEL.login]: CHANNEL.id },
    bot: { id: '90001', login: BOT },
  });
  const config = loadConfig({
    env: {
      ...eventSubEnv(twitch),
    },
    overrides: common,
  });
  const pipeline = await startPipeline(config);
  // Every subscription the bot's token makes (channel.ban needs a moderator seat).
  await waitFor(() => twitch.subscriptions().length === BOT_SUBSCRIPTIONS.length, 20_000);
  // The bot's own earlier message, as EventSub echoes it: its badge says it moderates the channel.
  twitch.notify(
    'channel.chat.message',
    chatMessageEvent(CHANNEL, { id: twitch.bot.id, login: BOT, badges: ['moderator'] }, 'own-1', 'hi chat'),
  );
  const times: number[] = [];
  for (let i = 0; i < count + WARMUP; i++) {
    const viewer = { id: String(5000 + i), login: `u${i}` };
    const started = performance.now();
    twitch.notify('channel.chat.message', chatMessageEvent(CHANNEL, viewer, `es-${i}`, `@${BOT} hello`));
    await until(() => twitch.chatMessages.length > i);
    if (i >= WARMUP) times.push(performance.now() - started);
    await pause();
  }
  await pipeline.close();
  await twitch.close();
  return times;
}

const irc = await ircRoundTrips();
const eventSub = await eventSubRoundTrips();
const row = (name: string, times: number[]) => latencyRow(name, times, baseline);
printTable(`Twitch mention in → reply out, ${count} sequential messages each (ms)`, [
  ['path', 'p50 ms', 'p99 ms', 'p50 vs baseline'],
  row('model call', baseline),
  row('irc (tmi.js)', irc),
  row('eventsub + helix', eventSub),
]);
const figures = (times: number[]) => ({ p50: percentile(times, 50), p99: percentile(times, 99) });
writeResults('twitch-transports', {
  params: { count, warmup: WARMUP, paceMs: PACE_MS },
  modelCall: figures(baseline),
  irc: figures(irc),
  eventSub: figures(eventSub),
});
await ollama.close();
process.exit(0);
