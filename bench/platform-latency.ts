/**
 * Platform round trip: a chat message pushed into the fake Telegram Bot API / fake Discord gateway
 * until chatgate's reply reaches the fake (sendMessage / POST messages), through telegraf or
 * discord.js, the router, the queue, the worker and a fake Ollama answering at once. Baseline of
 * the same run: the fake Ollama's own round trip from this process. Sequential messages from
 * different users, paced under the platforms' outbound limits (no cooldowns or limits in play). Run: `npm run bench:platforms`.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load.js';
import { startFakeDiscord } from '../test/fakes/fake-discord.js';
import { startFakeOllama } from '../test/fakes/fake-ollama.js';
import { startFakeTelegram } from '../test/fakes/fake-telegram.js';
import { startPipeline } from '../test/support/pipeline.js';
import { waitFor } from '../test/support/wait-for.js';
import { discordMention } from './lib/discord-mention.js';
import { writeResults } from './lib/results.js';
import { latencyRow, modelBaseline, until } from './lib/round-trip.js';
import { percentile, printTable } from './lib/stats.js';

const count = Number(process.env.BENCH_MESSAGES ?? 100);
/** Messages sent first and not measured: connections, JIT and caches warm up. */
const WARMUP = 10;
/**
 * Time between messages, ms: under the platforms' outbound limits (Telegram 30 msg/s overall,
 * Discord's 50 req/s global), which the adapters keep and which would otherwise be what we time.
 */
const PACE_MS = 100;

const pause = () => new Promise((resolve) => setTimeout(resolve, PACE_MS));
const ollama = await startFakeOllama();
ollama.behave({ reply: 'ok!' });
setInterval(() => ollama.calls.splice(0), 1000).unref();

// Baseline: the fake model alone, called the way the worker calls it.
const baseline = await modelBaseline(ollama.url, count);

async function telegramRoundTrips(): Promise<number[]> {
  const telegram = await startFakeTelegram();
  const config = loadConfig({
    env: {},
    overrides: {
      log: { level: 'silent' },
      ai: { ollama: { host: ollama.url } },
      platforms: { telegram: { botToken: telegram.token, apiRoot: telegram.url } },
    },
  });
  const pipeline = await startPipeline(config);
  await waitFor(() => (pipeline.platforms.adapters[0]?.state().status === 'online' ? true : undefined));
  const times: number[] = [];
  for (let i = 0; i < count + WARMUP; i++) {
    const chat = { id: 1000 + i, type: 'private', first_name: 'U' };
    const started = performance.now();
    telegram.pushUpdate({
      update_id: i + 1,
      message: {
        message_id: 1,
        from: { id: 1000 + i, is_bot: false, first_name: 'U' },
        chat,
        date: 1,
        text: 'hello',
      },
    });
    await until(() => telegram.sent.length > i);
    if (i >= WARMUP) times.push(performance.now() - started);
    await pause();
  }
  await pipeline.close();
  await telegram.close();
  return times;
}

async function discordRoundTrips(): Promise<number[]> {
  const bot = '700000000000000001';
  const guild = '700000000000000100';
  const channel = '700000000000000101';
  const discord = await startFakeDiscord({
    token: 'bench-token',
    user: { id: bot, username: 'chatgate', bot: true },
    guilds: [{ id: guild, channels: [{ id: channel, name: 'general' }] }],
  });
  const config = loadConfig({
    env: {},
    overrides: {
      log: { level: 'silent' },
      ai: { ollama: { host: ollama.url } },
      platforms: { discord: { token: 'bench-token', apiUrl: discord.apiUrl } },
      // One channel takes every message here: lift the per-channel reply cap.
      limits: { channelReplyCap: { max: 1_000_000, windowMs: 60_000 } },
    },
  });
  const pipeline = await startPipeline(config);
  await waitFor(
    () => (pipeline.platforms.adapters[0]?.state().status === 'online' ? true : undefined),
    20_000,
  );
  const replies = () =>
    discord.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/messages'))
      .length;
  const times: number[] = [];
  for (let i = 0; i < count + WARMUP; i++) {
    const author = {
      id: String(800000000000000000n + BigInt(i)),
      username: `u${i}`,
      discriminator: '0',
      avatar: null,
      global_name: null,
    };
    const started = performance.now();
    discord.dispatch(
      'MESSAGE_CREATE',
      discordMention({
        id: String(900000000000000000n + BigInt(i)),
        channelId: channel,
        guildId: guild,
        author: author,
        botId: bot,
        text: 'hello',
      }),
    );
    await until(() => replies() > i);
    if (i >= WARMUP) times.push(performance.now() - started);
    await pause();
  }
  await pipeline.close();
  await discord.close();
  return times;
}

const telegram = await telegramRoundTrips();
const discord = await discordRoundTrips();
const row = (name: string, times: number[]) => latencyRow(name, times, baseline);
printTable(`message in → reply out, ${count} sequential messages each (ms)`, [
  ['path', 'p50 ms', 'p99 ms', 'p50 vs baseline'],
  row('model call', baseline),
  row('telegram', telegram),
  row('discord', discord),
]);
const figures = (times: number[]) => ({ p50: percentile(times, 50), p99: percentile(times, 99) });
writeResults('platform-latency', {
  params: { count, warmup: WARMUP, paceMs: PACE_MS },
  modelCall: figures(baseline),
  telegram: figures(telegram),
  discord: figures(discord),
});
await ollama.close();
process.exit(0);
