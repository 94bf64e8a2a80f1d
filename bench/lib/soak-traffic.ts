/**
 * The requests of the soak (bench/soak.ts): what viewers, collectors, OpenAI clients and operators
 * send chatgate all day, and (a tenth of it) what a fuzzer or an attacker sends. Each request says
 * what a correct answer looks like, so the soak can count what went wrong.
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { requestFor } from '../../test/fuzz/support/fuzz-run.js';
import { FUZZ_KEYS } from '../../test/fuzz/support/fuzz-target.js';
import { ROUTE_SPECS } from '../../test/fuzz/support/route-specs.js';

/** One HTTP request to send, and how to judge its answer. */
export interface SoakRequest {
  /** The traffic class it belongs to, for the report (`interaction`, `chat`, `hostile` …). */
  kind: string;
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** `callback`: a 202 must be followed by its callback; `stream`: the SSE body must end in `[DONE]`. */
  expect?: 'callback' | 'stream';
}

/** The credentials the soak's chatgate is started with: the fuzzer's, so its requests are valid. */
export const SOAK_KEYS = FUZZ_KEYS;

const COMMUNITIES = 10;
const USERS = 2_000;
const caller = { authorization: `Bearer ${SOAK_KEYS.caller}`, 'content-type': 'application/json' };
const admin = { authorization: `Bearer ${SOAK_KEYS.admin}`, 'content-type': 'application/json' };
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const user = () => `viewer${Math.floor(Math.random() * USERS)}`;
const community = () => `api:soak-${Math.floor(Math.random() * COMMUNITIES)}`;

const QUESTIONS = [
  'what game is this?',
  'how long have you been streaming today?',
  'any tips for the boss fight?',
  'can you recommend a good keyboard?',
  'what do you think about speedruns?',
];
const CHATTER = ['lol', 'gg', 'nice play', 'PogChamp', 'hello everyone', 'that was close'];

/** A collector's event: a mention with a callback (answered), or chatter nobody addressed (ignored). */
function interaction(callbackUrl: string, addressed: boolean, n: number): SoakRequest {
  const id = user();
  const body = {
    platform: 'api',
    type: 'message',
    id: `api:soak-${n}`,
    community_id: community(),
    channel_id: `channel-${n % 20}`,
    user: { id, login: id },
    text: addressed ? `@chatgate ${pick(QUESTIONS)} (${n})` : `${pick(CHATTER)} ${n}`,
    ...(addressed ? { callback_url: callbackUrl } : {}),
  };
  return {
    kind: addressed ? 'interaction' : 'chatter',
    method: 'POST',
    path: '/api/v1/ai/interaction',
    headers: caller,
    body: JSON.stringify(body),
    ...(addressed ? { expect: 'callback' as const } : {}),
  };
}

/** An OpenAI client's chat completion, streamed or not. */
function chat(stream: boolean, n: number): SoakRequest {
  const body = {
    model: 'bench-model',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: `${pick(QUESTIONS)} (${n})` },
    ],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
  return {
    kind: stream ? 'chat_stream' : 'chat',
    method: 'POST',
    path: '/v1/chat/completions',
    headers: caller,
    body: JSON.stringify(body),
    ...(stream ? { expect: 'stream' as const } : {}),
  };
}

/** What operators and dashboards read, and a community config written now and then. */
function operator(n: number): SoakRequest {
  const reads = [
    { path: '/health/ready', headers: {} },
    { path: '/api/v1/ai/status', headers: caller },
    { path: '/metrics', headers: {} },
    { path: '/api/v1/ai/interactions?limit=50', headers: admin },
    { path: '/api/v1/communities?limit=20', headers: admin },
    { path: `/api/v1/communities/${encodeURIComponent(community())}/config`, headers: admin },
  ];
  if (n % 10 === 0) {
    // Answers every mention: the soak wants model traffic, not cooldown refusals.
    const body = {
      system_prompt: `You are the soak bot, version ${n}.`,
      triggers: { mention: { user_cooldown_ms: 0, channel_cooldown_ms: 0 } },
    };
    return {
      kind: 'config_write',
      method: 'PUT',
      path: `/api/v1/communities/${encodeURIComponent(community())}/config`,
      headers: admin,
      body: JSON.stringify(body),
    };
  }
  const read = pick(reads);
  return { kind: 'operator_read', method: 'GET', path: read.path, headers: read.headers };
}

/**
 * Hostile requests: the route fuzzer's (NUL, lone surrogates, 1 MB strings, deep nesting, huge
 * numbers, wrong types, bad escapes, wrong keys) on every route a caller, the public or Telegram
 * can reach. The admin routes are left out: a fuzzed but valid admin request (switch to local mode,
 * point a community at a dead upstream) is the operator's right, and would change what the rest of
 * the soak measures.
 */
const HOSTILE_ROUTES = Object.entries(ROUTE_SPECS)
  .filter(([, spec]) => spec.access !== 'admin')
  .map(([route, spec]) => fc.constant(route).chain(() => requestFor(route.split(' ')[0] as string, spec)));
const hostileArbitrary = fc.oneof(...HOSTILE_ROUTES);

function hostile(): SoakRequest {
  const [request] = fc.sample(hostileArbitrary, 1) as [InjectOptions];
  return {
    kind: 'hostile',
    method: String(request.method ?? 'GET'),
    path: String(request.url ?? '/'),
    headers: (request.headers ?? {}) as Record<string, string>,
    body: request.payload as string | Buffer | undefined,
  };
}

/**
 * The `n`-th request of the mix: 30% addressed events with a callback, 15% unaddressed chatter,
 * 20% chat completions, 10% streamed ones, 15% operator reads and writes, 10% hostile.
 */
export function soakRequest(n: number, callbackUrl: string): SoakRequest {
  const roll = Math.random();
  if (roll < 0.3) return interaction(callbackUrl, true, n);
  if (roll < 0.45) return interaction(callbackUrl, false, n);
  if (roll < 0.65) return chat(false, n);
  if (roll < 0.75) return chat(true, n);
  if (roll < 0.9) return operator(n);
  return hostile();
}

/** A Twitch viewer's chat line (IRC PRIVMSG with Twitch's tags), carrying `token` for the log check. */
export function twitchLine(channel: string, roomId: string, n: number, token: string): string {
  const login = user();
  const text = n % 4 === 0 ? `@chatgatebot ${pick(QUESTIONS)} ${token}` : `${pick(CHATTER)} ${token}`;
  const tags = `@badge-info=;badges=;color=;display-name=${login};emotes=;id=soak-tw-${n};mod=0;room-id=${roomId};subscriber=0;tmi-sent-ts=${Date.now()};user-id=${700000 + n};user-type=`;
  return `${tags} :${login}!${login}@${login}.tmi.twitch.tv PRIVMSG #${channel} :${text}`;
}

/** A Telegram group message Update (Bot API `Update`), carrying `token` for the log check. */
export function telegramUpdate(botUsername: string, n: number, token: string): object {
  const from = { id: 500000 + (n % USERS), is_bot: false, first_name: user() };
  const mention = n % 3 === 0;
  const text = mention ? `@${botUsername} ${pick(QUESTIONS)} ${token}` : `${pick(CHATTER)} ${token}`;
  return {
    update_id: 900000 + n,
    message: {
      message_id: n + 1,
      date: Math.floor(Date.now() / 1000),
      chat: { id: -100777, type: 'supergroup', title: 'Soak group' },
      from,
      text,
      ...(mention ? { entities: [{ type: 'mention', offset: 0, length: botUsername.length + 1 }] } : {}),
    },
  };
}
