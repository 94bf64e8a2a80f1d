/**
 * `npm run soak`: chatgate as `npm start` runs it (`src/main.ts`, embedded defaults: PGlite, memory
 * queue, in-process stores), under mixed traffic for SOAK_MINUTES (default 30): collectors' events
 * with callbacks, unaddressed chatter, OpenAI chat completions (a tenth streamed), operator reads
 * and config writes, Twitch viewers on IRC and a Telegram group through the webhook, and 10%
 * hostile requests (the route fuzzer's). The provider is a fake OpenAI-compatible upstream in a
 * process of its own (FAKE latency 100 ms), which is also the baseline: its RSS and event-loop delay
 * are measured the same way in the same run.
 *
 * Printed: every minute a progress line; at the end the traffic by kind (2xx/4xx/5xx, connection
 * errors, hangs), what was lost (a 202 without its callback or not readable afterwards, a platform
 * message missing from the interaction log, a stream without `[DONE]`), and the trend after the
 * warm-up of RSS, heap and event-loop delay p99 (least-squares slope per hour, and the p99 of the
 * 10 s windows), chatgate beside the baseline. Exits 1 when anything was lost, answered 5xx or hung.
 *
 * Env: SOAK_MINUTES (30), SOAK_RATE (requests/s of the HTTP mix, 40), SOAK_WARMUP_MINUTES (3, at
 * most a third of the run), SOAK_TWITCH_RATE (lines/s, 1), SOAK_TELEGRAM_RATE (updates/s, 0.5);
 * SOAK_GC=1 collects garbage in chatgate before each reading (run with --expose-gc): the heap
 * figures are then what is still referenced, the signal of a leak, and the event-loop delay includes
 * those collections. REDIS_URL, DATABASE_URL and QUEUE_BACKEND are passed to chatgate when set (a
 * soak on the shared stores instead of the embedded ones).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startFakeTelegram } from '../test/fakes/fake-telegram.js';
import { startFakeTwitch } from '../test/fakes/fake-twitch.js';
import { freePort } from '../test/stores/redis/support.js';
import { startCallbackReceiver } from '../test/support/callback-receiver.js';
import { waitFor } from '../test/support/wait-for.js';
import { type ProbeReading, probe } from './lib/probe.js';
import { writeResults } from './lib/results.js';
import { SOAK_KEYS, type SoakRequest, soakRequest, telegramUpdate, twitchLine } from './lib/soak-traffic.js';
import { spawnFakeUpstream } from './lib/spawn-upstream.js';
import { percentile, printTable } from './lib/stats.js';
import { type Sample, slopePerHour } from './lib/trend.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const RATE = Number(process.env.SOAK_RATE ?? 40);
const WARMUP_MS = Math.min(Number(process.env.SOAK_WARMUP_MINUTES ?? 3), MINUTES / 3) * 60_000;
const TWITCH_RATE = Number(process.env.SOAK_TWITCH_RATE ?? 1);
const TELEGRAM_RATE = Number(process.env.SOAK_TELEGRAM_RATE ?? 0.5);
const GC = process.env.SOAK_GC === '1';
const DURATION_MS = MINUTES * 60_000;
/** A request unanswered this long is a hang, ms. */
const HANG_MS = 30_000;
/** After the load stops, callbacks and log rows may take this long to show, ms. */
const SETTLE_MS = 60_000;
/** How often RSS and event-loop delay are read, ms. */
const PROBE_EVERY_MS = 10_000;
/** More requests than this in flight: the soak is the bottleneck; the next ones are counted as skipped. */
const MAX_IN_FLIGHT = 400;
const TWITCH_CHANNEL = 'soakchan';
const TWITCH_ROOM = '515151';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What became of the requests of one kind. */
interface KindTally {
  sent: number;
  ok: number;
  client: number;
  server: number;
  /** The connection failed or was closed before an answer (hostile bodies may be cut by the server). */
  connection: number;
  hangs: number;
  latencies: number[];
}

const tallies = new Map<string, KindTally>();
const tally = (kind: string): KindTally => {
  let entry = tallies.get(kind);
  if (!entry) {
    entry = { sent: 0, ok: 0, client: 0, server: 0, connection: 0, hangs: 0, latencies: [] };
    tallies.set(kind, entry);
  }
  return entry;
};
/** The first few 5xx answers, to show what they were. */
const serverErrors: string[] = [];
const lost = { callbacks: 0, unreadable: 0, streams: 0, twitch: 0, telegram: 0 };

const upstream = await spawnFakeUpstream({ FAKE_LATENCY_MS: '100', FAKE_CHUNK_DELAY_MS: '5' });
const twitch = await startFakeTwitch({
  roomIds: { [TWITCH_CHANNEL]: TWITCH_ROOM },
  badges: { [TWITCH_CHANNEL]: 'moderator/1' },
});
const telegram = await startFakeTelegram();
const receiver = await startCallbackReceiver();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'chatgate-soak-'));
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
const logPath = join(ROOT, 'bench/results/soak-chatgate.log');
const log = createWriteStream(logPath);
const passed = Object.fromEntries(
  ['REDIS_URL', 'DATABASE_URL', 'QUEUE_BACKEND'].flatMap((name) =>
    process.env[name] ? [[name, process.env[name] as string]] : [],
  ),
);
const chatgate = spawn(
  process.execPath,
  [
    ...(GC ? ['--expose-gc'] : []),
    '--import',
    'tsx',
    '--import',
    './bench/lib/probe-preload.ts',
    'src/main.ts',
  ],
  {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      CHATGATE_DATA_DIR: dataDir,
      DEFAULT_PROVIDER: 'openai',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      DEFAULT_MODEL: 'bench-model',
      CHATGATE_API_KEYS: SOAK_KEYS.caller,
      CHATGATE_ADMIN_KEY: SOAK_KEYS.admin,
      CHATGATE_SECRET_KEY: SOAK_KEYS.secret,
      CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: '1000000000',
      MAX_QUEUE_SIZE: '5000',
      TWITCH_USERNAME: 'chatgatebot',
      TWITCH_OAUTH_TOKEN: 'oauth:faketoken',
      TWITCH_CHANNELS: TWITCH_CHANNEL,
      TWITCH_SERVER: '127.0.0.1',
      TWITCH_PORT: String(twitch.port),
      TWITCH_SECURE: 'false',
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram/webhook',
      TELEGRAM_WEBHOOK_SECRET: SOAK_KEYS.telegram,
      ...passed,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  },
);
chatgate.stdout?.pipe(log);
chatgate.stderr?.pipe(log);
const exited = new Promise<number | null>((resolve) => chatgate.once('exit', (code) => resolve(code)));

const agent = new Agent({ connections: 64, pipelining: 1 });
const up = () =>
  request(`${base}/health`, { dispatcher: agent }).then(
    async (response) => {
      await response.body.text();
      return response.statusCode === 200;
    },
    () => false,
  );
await waitFor(up, 60_000, `chatgate to answer /health (its log: ${logPath})`);
await waitFor(
  () => twitch.joinedChannels().includes(TWITCH_CHANNEL),
  30_000,
  'the Twitch channel to be joined',
);
await waitFor(() => telegram.webhook, 30_000, 'the Telegram webhook to be set');
console.log(
  `soak: ${MINUTES} min at ${RATE} req/s (+ Twitch ${TWITCH_RATE}/s, Telegram ${TELEGRAM_RATE}/s), warm-up ${WARMUP_MS / 60_000} min; chatgate log: ${logPath}`,
);

/** Interaction ids accepted (202) with a callback: sent at (ms). */
const awaitingCallback = new Map<string, number>();
/** Interaction ids to read back: due at (ms); their status must be settled by then or soon after. */
const toRead = new Map<string, number>();
/** Platform messages not yet seen in the interaction log: token → sent at (ms). */
const platformPending = { twitch: new Map<string, number>(), telegram: new Map<string, number>() };
let inFlight = 0;
let skipped = 0;
let sequence = 0;
const started = performance.now();
const elapsed = () => performance.now() - started;

/** Sends one request of the mix and judges the answer. */
async function send(soak: SoakRequest): Promise<void> {
  const kind = tally(soak.kind);
  kind.sent++;
  inFlight++;
  const sentAt = performance.now();
  const hang = new AbortController();
  const timer = setTimeout(() => hang.abort(), HANG_MS);
  try {
    const response = await request(`${base}${soak.path}`, {
      method: soak.method as 'GET',
      headers: soak.headers,
      body: soak.body,
      dispatcher: agent,
      signal: hang.signal,
    });
    const text = await response.body.text();
    kind.latencies.push(performance.now() - sentAt);
    const status = response.statusCode;
    if (status >= 500 && !(status === 503 && /queue_full|shutting_down/.test(text))) {
      kind.server++;
      if (serverErrors.length < 20)
        serverErrors.push(`${status} ${soak.method} ${soak.path.slice(0, 80)}: ${text.slice(0, 200)}`);
    } else if (status >= 400) kind.client++;
    else kind.ok++;
    if (status === 202 && soak.path === '/api/v1/ai/interaction') {
      const id = (JSON.parse(text) as { interaction_id: string }).interaction_id;
      if (soak.expect === 'callback') awaitingCallback.set(id, performance.now());
      else toRead.set(id, performance.now() + 5_000);
    } else if (status === 200 && soak.path === '/api/v1/ai/interaction') {
      toRead.set((JSON.parse(text) as { interaction_id: string }).interaction_id, performance.now());
    }
    if (soak.expect === 'stream' && status === 200 && !text.trimEnd().endsWith('data: [DONE]'))
      lost.streams++;
  } catch (error) {
    if (hang.signal.aborted) kind.hangs++;
    else kind.connection++;
    if (soak.kind !== 'hostile' && serverErrors.length < 20)
      serverErrors.push(`${soak.kind}: ${String(error)}`);
  } finally {
    clearTimeout(timer);
    inFlight--;
  }
}

/** Reads an interaction back: it must exist, and be settled (done, ignored, failed) by then. */
async function readBack(id: string): Promise<'settled' | 'pending' | 'missing'> {
  const response = await request(`${base}/api/v1/ai/interaction/${id}`, {
    headers: { authorization: `Bearer ${SOAK_KEYS.caller}` },
    dispatcher: agent,
  });
  const text = await response.body.text();
  if (response.statusCode === 404) return 'missing';
  if (response.statusCode !== 200) return 'pending';
  const status = (JSON.parse(text) as { status: string }).status;
  return status === 'queued' || status === 'running' ? 'pending' : 'settled';
}

/** Moves callbacks that arrived into the read-back list (and forgets their bodies). */
function collectCallbacks(): void {
  for (const callback of receiver.received.splice(0)) {
    if (awaitingCallback.delete(callback.body.interaction_id))
      toRead.set(callback.body.interaction_id, performance.now());
  }
}

/** Reads back what is due; an interaction pending for over a minute past its due time is lost. */
async function readDue(final: boolean): Promise<void> {
  const now = performance.now();
  const due = [...toRead].filter(([, at]) => at <= now).slice(0, 200);
  await Promise.all(
    due.map(async ([id, at]) => {
      const state = await readBack(id).catch(() => 'pending' as const);
      if (state === 'settled') toRead.delete(id);
      else if (state === 'missing' || now - at > SETTLE_MS || final) {
        toRead.delete(id);
        lost.unreadable++;
        if (serverErrors.length < 20) serverErrors.push(`interaction ${id}: ${state} when read back`);
      }
    }),
  );
}

/** Marks the platform messages the interaction log shows (their token is in the event's text). */
async function scanPlatformLog(platform: 'twitch' | 'telegram'): Promise<void> {
  const response = await request(`${base}/api/v1/ai/interactions?platform=${platform}&limit=500`, {
    headers: { authorization: `Bearer ${SOAK_KEYS.admin}` },
    dispatcher: agent,
  });
  const body = (await response.body.json()) as { interactions?: { event?: { text?: string } }[] };
  for (const row of body.interactions ?? []) {
    const token = /soak-(?:tw|tg)-\d+/.exec(row.event?.text ?? '')?.[0];
    if (token) platformPending[platform].delete(token);
  }
}

const samples: { t: number; chatgate: ProbeReading; baseline: ProbeReading }[] = [];
async function takeSample(): Promise<void> {
  const [reading, baseline] = await Promise.all([
    probe(chatgate, { reset: true, gc: GC }),
    probe(upstream.process, { reset: true }),
  ]);
  samples.push({ t: elapsed(), chatgate: reading, baseline });
}

let twitchCount = 0;
let telegramCount = 0;
const timers: NodeJS.Timeout[] = [];
const every = (ms: number, work: () => unknown) => timers.push(setInterval(work, ms));

// The HTTP mix, open loop: requests are sent on schedule whatever the answers take.
every(10, () => {
  const due = Math.floor((elapsed() / 1000) * RATE) - sequence;
  for (let i = 0; i < due; i++) {
    sequence++;
    if (inFlight >= MAX_IN_FLIGHT) skipped++;
    else void send(soakRequest(sequence, receiver.url));
  }
});
every(1000 / TWITCH_RATE, () => {
  const token = `soak-tw-${++twitchCount}`;
  platformPending.twitch.set(token, performance.now());
  twitch.inject(twitchLine(TWITCH_CHANNEL, TWITCH_ROOM, twitchCount, token));
});
every(1000 / TELEGRAM_RATE, () => {
  const token = `soak-tg-${++telegramCount}`;
  platformPending.telegram.set(token, performance.now());
  void send({
    kind: 'telegram_update',
    method: 'POST',
    path: '/telegram/webhook',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SOAK_KEYS.telegram },
    body: JSON.stringify(telegramUpdate(telegram.username, telegramCount, token)),
  });
});
every(1000, collectCallbacks);
every(2000, () => void readDue(false).catch(() => undefined));
every(
  5000,
  () => void Promise.all([scanPlatformLog('twitch'), scanPlatformLog('telegram')]).catch(() => undefined),
);
every(PROBE_EVERY_MS, () => void takeSample().catch(() => undefined));
every(60_000, () => {
  const last = samples.at(-1);
  const sent = [...tallies.values()].reduce((sum, t) => sum + t.sent, 0);
  const server = [...tallies.values()].reduce((sum, t) => sum + t.server + t.hangs, 0);
  console.log(
    `${(elapsed() / 60_000).toFixed(0).padStart(3)} min: ${sent} sent, ${server} 5xx/hangs, ${inFlight} in flight, ` +
      `${awaitingCallback.size} awaiting callbacks; chatgate RSS ${mb(last?.chatgate.rss)} MB, ELD p99 ${last?.chatgate.eld.p99.toFixed(1)} ms`,
  );
});

await new Promise((resolve) => setTimeout(resolve, DURATION_MS));
// The load stops; what is still under way gets SETTLE_MS to finish and show.
for (const timer of timers.splice(0, 3)) clearInterval(timer);
await waitFor(() => inFlight === 0, HANG_MS + 5_000, 'the last requests to be answered');
const settleDeadline = performance.now() + SETTLE_MS;
while (performance.now() < settleDeadline) {
  collectCallbacks();
  await readDue(false);
  await Promise.all([scanPlatformLog('twitch'), scanPlatformLog('telegram')]).catch(() => undefined);
  if (
    awaitingCallback.size === 0 &&
    toRead.size === 0 &&
    platformPending.twitch.size + platformPending.telegram.size === 0
  )
    break;
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
for (const timer of timers.splice(0)) clearInterval(timer);
for (const [id] of toRead) toRead.set(id, 0);
await readDue(true);
lost.callbacks = awaitingCallback.size;
lost.twitch = platformPending.twitch.size;
lost.telegram = platformPending.telegram.size;
await takeSample();

function mb(bytes: number | undefined): string {
  return bytes === undefined ? '?' : (bytes / 1_048_576).toFixed(1);
}

// The report.
const rows = [['kind', 'sent', '2xx/3xx', '4xx', '5xx', 'conn. errors', 'hangs', 'p50 ms', 'p99 ms']];
for (const [name, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
  rows.push([
    name,
    String(t.sent),
    String(t.ok),
    String(t.client),
    String(t.server),
    String(t.connection),
    String(t.hangs),
    percentile(t.latencies, 50).toFixed(1),
    percentile(t.latencies, 99).toFixed(1),
  ]);
}
printTable(`\ntraffic over ${MINUTES} min (${skipped} skipped: more than ${MAX_IN_FLIGHT} in flight)`, rows);

const steady = samples.filter((sample) => sample.t >= WARMUP_MS);
const series = (pick: (reading: ProbeReading) => number, who: 'chatgate' | 'baseline'): Sample[] =>
  steady.map((sample) => ({ t: sample.t, value: pick(sample[who]) }));
const trendRow = (who: 'chatgate' | 'baseline') => {
  const rss = series((r) => r.rss / 1_048_576, who);
  const heap = series((r) => r.heapUsed / 1_048_576, who);
  const eld = series((r) => r.eld.p99, who);
  return {
    rssStartMb: rss[0]?.value ?? Number.NaN,
    rssEndMb: rss.at(-1)?.value ?? Number.NaN,
    rssSlopeMbPerHour: slopePerHour(rss),
    heapSlopeMbPerHour: slopePerHour(heap),
    eldP99Ms: percentile(
      eld.map((s) => s.value),
      99,
    ),
    eldMedianWindowP99Ms: percentile(
      eld.map((s) => s.value),
      50,
    ),
    eldSlopeMsPerHour: slopePerHour(eld),
  };
};
const trends = { chatgate: trendRow('chatgate'), baseline: trendRow('baseline') };
const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
printTable(
  `\nafter the ${WARMUP_MS / 60_000}-min warm-up (${steady.length} samples, one per ${PROBE_EVERY_MS / 1000} s)`,
  [
    [
      'process',
      'RSS start→end MB',
      'RSS slope MB/h',
      'heap slope MB/h',
      'ELD p99 of windows ms',
      'median window p99 ms',
      'ELD p99 slope ms/h',
    ],
    ...(['chatgate', 'baseline'] as const).map((who) => [
      who === 'baseline' ? 'baseline (fake upstream)' : who,
      `${fmt(trends[who].rssStartMb)}→${fmt(trends[who].rssEndMb)}`,
      fmt(trends[who].rssSlopeMbPerHour),
      fmt(trends[who].heapSlopeMbPerHour),
      fmt(trends[who].eldP99Ms),
      fmt(trends[who].eldMedianWindowP99Ms),
      fmt(trends[who].eldSlopeMsPerHour),
    ]),
  ],
);
const fiveXx = [...tallies.values()].reduce((sum, t) => sum + t.server, 0);
const hangs = [...tallies.values()].reduce((sum, t) => sum + t.hangs, 0);
const lostTotal = Object.values(lost).reduce((sum, n) => sum + n, 0);
console.log(
  `\nlost: ${lostTotal} (callbacks ${lost.callbacks}, unreadable ${lost.unreadable}, streams without [DONE] ${lost.streams}, ` +
    `Twitch lines not logged ${lost.twitch} of ${twitchCount}, Telegram updates not logged ${lost.telegram} of ${telegramCount}); ` +
    `5xx: ${fiveXx}; hangs: ${hangs}`,
);
if (serverErrors.length > 0) console.log(`first problems:\n  ${serverErrors.join('\n  ')}`);
writeResults('soak', {
  parameters: {
    minutes: MINUTES,
    rate: RATE,
    warmupMs: WARMUP_MS,
    twitchRate: TWITCH_RATE,
    telegramRate: TELEGRAM_RATE,
    stores: Object.keys(passed),
  },
  traffic: Object.fromEntries([...tallies].map(([name, t]) => [name, { ...t, latencies: undefined }])),
  skipped,
  lost,
  fiveXx,
  hangs,
  trends,
  samples: samples.map((s) => ({ t: Math.round(s.t), chatgate: s.chatgate, baseline: s.baseline })),
});

chatgate.kill('SIGTERM');
const code = await exited;
console.log(`chatgate exited ${code} on SIGTERM`);
await Promise.all([upstream.stop(), twitch.close(), telegram.close(), receiver.close(), agent.close()]);
rmSync(dataDir, { recursive: true, force: true });
process.exit(lostTotal + fiveXx + hangs > 0 || code !== 0 ? 1 : 0);
