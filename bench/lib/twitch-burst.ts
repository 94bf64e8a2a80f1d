/**
 * One raid burst into the fake Twitch server, for `twitch-burst.ts`: a raid notice and raiders'
 * messages that mention the bot, through the real Twitch adapter (tmi.js) and either the whole
 * chatgate pipeline (router → queue → worker → fake Ollama → adapter) or, for the baseline, the
 * adapter alone (the same number of replies handed to `adapter.send` at once). Time runs on the
 * real clock, or on a virtual one that the adapter and the fake share (the adapter tests' ManualClock).
 */
import { performance } from 'node:perf_hooks';
import { createTwitchAdapter, TWITCH_LIMITS } from '../../adapters/twitch/adapter.js';
import { loadConfig } from '../../src/config/load.js';
import type { AdapterHost } from '../../src/core/adapter.js';
import { systemClock } from '../../src/core/adapter-kit/clock.js';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { createLogger } from '../../src/observability/logger.js';
import { createServices, type Services } from '../../src/services.js';
import { memoryStores } from '../../src/stores/store-set.js';
import { ManualClock } from '../../test/adapters/twitch/harness.js';
import { type FakeTwitch, type ReceivedPrivmsg, startFakeTwitch } from '../../test/fakes/fake-twitch.js';
import { ROOM_ID, raiderLine, raidLine } from './twitch-lines.js';

const CHANNEL = 'raidchan';
const BOT = 'chatgatebot';
const TOKEN = 'oauth:benchtoken';

export interface BurstOptions {
  /** Events (pipeline: 1 raid notice + raiders' messages) or replies (adapter alone). */
  count: number;
  /** The bot is moderator in the channel (100 messages per 30 s instead of 20). */
  moderator: boolean;
  /** Run the adapter and the fake on a virtual clock. */
  virtual: boolean;
  /** `pipeline`: events in, replies out; `adapter`: replies handed to the adapter directly. */
  through: 'pipeline' | 'adapter';
  /** The fake Ollama's URL (pipeline). */
  ollamaUrl: string;
}

export interface BurstResult {
  /** Replies the fake accepted. */
  delivered: number;
  /** Replies the fake refused (msg_ratelimit, msg_duplicate). */
  refused: number;
  /** The most replies in any 30 s window (by the clock of the run). */
  busiestWindow: number;
  /** Twitch's allowance per 30 s for the bot's role here. */
  allowance: number;
  /** Smallest gap between two replies, ms. */
  smallestGapMs: number;
  /** The longest a reply waited in the adapter's outbound queue (Twitch limits), ms. */
  maxOutboundWaitMs: number;
  /** The longest an interaction waited in chatgate's queue before its worker started, ms (pipeline; real time). */
  maxQueueWaitMs?: number;
  /** From the first event (or send) to the last reply's arrival, ms by the clock of the run. */
  lastReplyMs: number;
  /** Interactions by final status (pipeline). */
  statuses?: Record<string, number>;
  /** Real time the run took, ms. */
  realMs: number;
}

/** Resolves when `check()` holds, polling every 5 ms (real time). */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`burst: ${what} not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The most messages in any window of `windowMs` (sliding over every arrival). */
function busiest(messages: readonly ReceivedPrivmsg[], windowMs: number): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < messages.length; end++) {
    while ((messages[start]?.at ?? 0) <= (messages[end]?.at ?? 0) - windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

function smallestGap(messages: readonly ReceivedPrivmsg[]): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < messages.length; i++) {
    smallest = Math.min(smallest, (messages[i]?.at ?? 0) - (messages[i - 1]?.at ?? 0));
  }
  return smallest;
}

function pipelineServices(ollamaUrl: string): Promise<Services> {
  const config = loadConfig({
    env: {},
    overrides: {
      log: { level: 'silent' },
      ai: { ollama: { host: ollamaUrl } },
      // A raid's flood is what is measured: the per-channel reply cap (30 a minute by default) is lifted.
      limits: { channelReplyCap: { max: 1_000_000, windowMs: 60_000 } },
    },
  });
  return createServices(config, {
    logger: createLogger('silent'),
    stores: memoryStores(config),
    random: () => 0,
  });
}

/** Runs one burst and reports what the fake Twitch server saw. */
export async function runBurst(options: BurstOptions): Promise<BurstResult> {
  const realStart = performance.now();
  const clock = options.virtual ? new ManualClock(Date.now()) : systemClock;
  const fake: FakeTwitch = await startFakeTwitch({
    token: TOKEN,
    roomIds: { [CHANNEL]: ROOM_ID },
    now: clock.now,
    ...(options.moderator ? { badges: { [CHANNEL]: 'moderator/1' } } : {}),
  });
  const adapter = createTwitchAdapter(
    {
      username: BOT,
      oauthToken: TOKEN,
      channels: [CHANNEL],
      server: '127.0.0.1',
      port: fake.port,
      secure: false,
      knownBots: [],
      maxReplyParts: 1,
      watchdogMs: 600_000,
    },
    { clock, reconnectIntervalMs: 50, stopGraceMs: 200 },
  );
  if (!adapter) throw new Error('no Twitch adapter');
  const services = options.through === 'pipeline' ? await pipelineServices(options.ollamaUrl) : undefined;
  const seen: ChatEvent[] = [];
  const host: AdapterHost = {
    logger: createLogger('silent'),
    addBotName: (name) => services?.router.addBotName(name),
    recordHandled: async (_event, reason) => ({ status: 'ignored', reason, interactionId: 'handled' }),
    resetContext: async () => {},
    moderated: async () => {},
    ingest: async (event) => {
      seen.push(event);
      if (!services) return { status: 'queued', interactionId: event.id };
      const ack = await services.router.ingest(event);
      return { status: ack.status, reason: ack.reason, interactionId: ack.interactionId };
    },
  };
  services?.delivery.addAdapter(adapter);
  await adapter.start(host);
  await until(() => fake.joinedChannels().includes(CHANNEL), 5000, 'join');
  // The moderator allowance is learned from the USERSTATE that answers the JOIN.
  await new Promise((resolve) => setTimeout(resolve, 100));

  let expected: number;
  const firstAt = clock.now();
  if (services) {
    fake.inject(raidLine(CHANNEL, 'bigstreamer', options.count - 1));
    for (let n = 1; n < options.count; n++)
      fake.inject(raiderLine(CHANNEL, n, `@${BOT} hype! first time here`));
    // Real time: every event routed and every interaction finished (its reply handed to the adapter).
    const finished = new Set(['done', 'failed', 'ignored', 'rejected']);
    let interactions: Awaited<ReturnType<Services['interactions']['list']>> = [];
    await until(() => seen.length === options.count, 10_000, 'every event ingested');
    for (;;) {
      interactions = await services.interactions.list({ limit: options.count * 2 });
      if (interactions.length >= options.count && interactions.every((i) => finished.has(i.status))) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expected = interactions.filter((interaction) => interaction.status === 'done').length;
  } else {
    fake.inject(raiderLine(CHANNEL, 1, `@${BOT} hello`));
    await until(() => seen.length === 1, 5000, 'the parent message');
    const event = seen[0] as ChatEvent;
    for (let n = 0; n < options.count; n++) await adapter.send({ event, text: `Welcome in, raider ${n}!` });
    expected = options.count;
  }

  // Let time run until every reply has arrived: virtual time one scheduler timer at a time (once
  // the fake has what was sent so far), real time by waiting.
  const budgetMs = 5 * 60_000;
  if (clock instanceof ManualClock) {
    while (fake.privmsgs.length < expected) {
      await until(() => fake.privmsgs.length === adapter.outboundStats().sent, 10_000, 'the fake to receive');
      if (fake.privmsgs.length < expected && !clock.advanceToNext()) break;
    }
  } else {
    await until(() => fake.privmsgs.length >= expected, budgetMs, 'every reply');
  }
  const arrived = fake.privmsgs.slice();
  const stats = adapter.outboundStats();
  const all = services ? await services.interactions.list({ limit: options.count * 2 }) : [];
  const statuses: Record<string, number> = {};
  for (const interaction of all) statuses[interaction.status] = (statuses[interaction.status] ?? 0) + 1;
  const waits = all.flatMap((i) =>
    i.completedAt && i.reply ? [i.completedAt - i.createdAt - i.reply.processingTimeMs] : [],
  );
  await adapter.stop();
  await services?.close();
  await fake.close();
  return {
    delivered: arrived.filter((message) => !message.refused).length,
    refused: arrived.filter((message) => message.refused).length,
    busiestWindow: busiest(arrived, TWITCH_LIMITS.windowMs),
    allowance: options.moderator ? TWITCH_LIMITS.moderatorMessages : TWITCH_LIMITS.userMessages,
    smallestGapMs: smallestGap(arrived),
    maxOutboundWaitMs: stats.maxWaitMs,
    ...(services ? { maxQueueWaitMs: Math.max(0, ...waits), statuses } : {}),
    lastReplyMs: (arrived.at(-1)?.at ?? firstAt) - firstAt,
    realMs: performance.now() - realStart,
  };
}
