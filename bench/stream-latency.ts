/**
 * Streamed replies (issue 15): how soon a reply starts to show in chat, against when it is whole.
 * A chat message pushed into the fake Telegram Bot API (a private chat: drafts) or the fake Discord
 * gateway (a mention: a reply, then edits) goes through telegraf or discord.js, the router, the
 * queue and the worker to a fake Ollama that streams `BENCH_TOKENS` tokens (40) at 20 tokens/s
 * (`BENCH_TOKEN_MS` 50 ms between tokens) after `BENCH_TTFT_MS` (300 ms) to the first token.
 * Measured from the push: the first visible text (the first draft, the first posted message) and
 * the full reply (the final `sendMessage`, the message edited to the whole answer). Baseline of
 * the same run: the same chatgate with `streamReplies` off, where the first visible text is the
 * full reply, on a model that takes as long to answer in one piece. Messages go one after another, each from a
 * new user (no cooldowns). Run: `npm run bench:stream`.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { startFakeDiscord } from '../test/fakes/fake-discord.js';
import { startFakeOllama } from '../test/fakes/fake-ollama.js';
import { startFakeTelegram } from '../test/fakes/fake-telegram.js';
import { startPipeline } from '../test/support/pipeline.js';
import { waitFor } from '../test/support/wait-for.js';
import { discordMention } from './lib/discord-mention.js';
import { writeResults } from './lib/results.js';
import { percentile, printTable, ratio } from './lib/stats.js';

const count = Number(process.env.BENCH_MESSAGES ?? 8);
const tokens = Number(process.env.BENCH_TOKENS ?? 40);
const tokenMs = Number(process.env.BENCH_TOKEN_MS ?? 50);
const ttftMs = Number(process.env.BENCH_TTFT_MS ?? 300);
/** Messages sent first and not measured: connections and JIT warm up. */
const WARMUP = 1;
/** The answer: `tokens` words, one stream part each, sentences of five words. */
const ANSWER = Array.from({ length: tokens }, (_, i) => `word${i}${i % 5 === 4 ? '.' : ''}`).join(' ');

/** Resolves with the time `check()` first held, polling every 1 ms (finer than what is measured). */
async function when(check: () => boolean, timeoutMs = 30_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return performance.now();
}

/** Per message: ms from the push to the first visible text and to the full reply. */
interface Timing {
  first: number[];
  full: number[];
}

const ollama = await startFakeOllama();
ollama.behave({ reply: ANSWER });
/** The model's pace: streamed token by token, or (whole replies) one answer after as long. */
function modelFor(stream: boolean): void {
  if (stream) ollama.behave({ latencyMs: ttftMs, chunkDelayMs: tokenMs });
  else ollama.behave({ latencyMs: ttftMs + (tokens - 1) * tokenMs, chunkDelayMs: 0 });
}
setInterval(() => ollama.calls.splice(0), 1000).unref();

function configFor(platforms: Record<string, unknown>, stream: boolean): Config {
  return loadConfig({
    env: {},
    overrides: {
      log: { level: 'silent' },
      ai: { ollama: { host: ollama.url } },
      presence: { streamReplies: stream },
      platforms,
      // One channel takes every message here: lift the per-channel reply cap.
      limits: { channelReplyCap: { max: 1_000_000, windowMs: 60_000 } },
    } as NonNullable<Parameters<typeof loadConfig>[0]>['overrides'],
  });
}

async function telegramTimes(stream: boolean): Promise<Timing> {
  modelFor(stream);
  const telegram = await startFakeTelegram();
  const pipeline = await startPipeline(
    configFor({ telegram: { botToken: telegram.token, apiRoot: telegram.url } }, stream),
  );
  await waitFor(() => pipeline.platforms.adapters[0]?.state().status === 'online');
  const timing: Timing = { first: [], full: [] };
  for (let i = 0; i < count + WARMUP; i++) {
    const chatId = 5000 + i + (stream ? 0 : 100_000);
    const started = performance.now();
    telegram.pushUpdate({
      message: {
        message_id: 1,
        from: { id: chatId, is_bot: false, first_name: 'U' },
        chat: { id: chatId, type: 'private', first_name: 'U' },
        date: 1,
        text: 'tell me a story',
      },
    });
    const first = await when(
      () =>
        telegram.drafts.some((draft) => draft.chatId === chatId) ||
        telegram.sent.some((message) => message.chatId === chatId),
    );
    const full = await when(() => telegram.sent.some((message) => message.chatId === chatId));
    if (i >= WARMUP) {
      timing.first.push(first - started);
      timing.full.push(full - started);
    }
  }
  await pipeline.close();
  await telegram.close();
  return timing;
}

async function discordTimes(stream: boolean): Promise<Timing> {
  modelFor(stream);
  const bot = '700000000000000001';
  const guild = '700000000000000100';
  const channel = '700000000000000101';
  const discord = await startFakeDiscord({
    token: 'bench-token',
    user: { id: bot, username: 'chatgate', bot: true },
    guilds: [{ id: guild, channels: [{ id: channel, name: 'general' }] }],
  });
  const pipeline = await startPipeline(
    configFor({ discord: { token: 'bench-token', apiUrl: discord.apiUrl } }, stream),
  );
  await waitFor(() => pipeline.platforms.adapters[0]?.state().status === 'online', 20_000);
  /** Our message replying to `questionId`, as it shows now. */
  const replyTo = (questionId: string) =>
    [...discord.messages.values()].find(
      (message) =>
        (message as { message_reference?: { message_id?: string } }).message_reference?.message_id ===
        questionId,
    );
  const timing: Timing = { first: [], full: [] };
  for (let i = 0; i < count + WARMUP; i++) {
    const user = String(800000000000000000n + BigInt(i) + (stream ? 0n : 100_000n));
    const questionId = String(900000000000000000n + BigInt(i) + (stream ? 0n : 100_000n));
    const started = performance.now();
    discord.dispatch(
      'MESSAGE_CREATE',
      discordMention({
        id: questionId,
        channelId: channel,
        guildId: guild,
        author: { id: user, username: `u${i}`, discriminator: '0', avatar: null, global_name: null },
        botId: bot,
        text: 'tell me a story',
      }),
    );
    const first = await when(() => replyTo(questionId) !== undefined);
    const full = await when(() => replyTo(questionId)?.content === ANSWER);
    if (i >= WARMUP) {
      timing.first.push(first - started);
      timing.full.push(full - started);
    }
  }
  await pipeline.close();
  await discord.close();
  return timing;
}

const results = {
  telegram: { streamed: await telegramTimes(true), whole: await telegramTimes(false) },
  discord: { streamed: await discordTimes(true), whole: await discordTimes(false) },
};
const p50 = (times: number[]) => percentile(times, 50);
const rows = [
  ['path', 'first text p50 ms', 'full reply p50 ms', 'first / full', 'first / whole-reply baseline'],
];
for (const [platform, { streamed, whole }] of Object.entries(results)) {
  rows.push([
    `${platform} streamed`,
    p50(streamed.first).toFixed(0),
    p50(streamed.full).toFixed(0),
    ratio(p50(streamed.first), p50(streamed.full)),
    ratio(p50(streamed.first), p50(whole.full)),
  ]);
  rows.push([
    `${platform} whole (baseline)`,
    p50(whole.first).toFixed(0),
    p50(whole.full).toFixed(0),
    ratio(p50(whole.first), p50(whole.full)),
    '1.00',
  ]);
}
printTable(
  `event → first visible text and → full reply, ${tokens} tokens at ${Math.round(1000 / tokenMs)} tokens/s after ${ttftMs} ms, ${count} messages each (ms)`,
  rows,
);
const figures = (timing: Timing) => ({
  firstP50: p50(timing.first),
  firstP99: percentile(timing.first, 99),
  fullP50: p50(timing.full),
  fullP99: percentile(timing.full, 99),
});
writeResults('stream-latency', {
  params: { count, warmup: WARMUP, tokens, tokenMs, ttftMs },
  telegram: { streamed: figures(results.telegram.streamed), whole: figures(results.telegram.whole) },
  discord: { streamed: figures(results.discord.streamed), whole: figures(results.discord.whole) },
});
await ollama.close();
process.exit(0);
