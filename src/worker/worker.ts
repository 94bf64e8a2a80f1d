import { createHash } from 'node:crypto';
import type { AiRequest, AiService } from '../ai/ai-service.js';
import { buildPrompt, userTurn } from '../ai/prompt.js';
import {
  type CommunitySettings,
  type CommunitySettingsSource,
  settingsForChannel,
} from '../community/community-settings.js';
import type { Config } from '../config/schema.js';
import type { ReplyStream } from '../core/adapter.js';
import { conversationKey } from '../core/chat-event.js';
import { hashUserId, type Logger } from '../observability/logger.js';
import type { InteractionJob, JobRunner } from '../queue/interaction-queue.js';
import type { TextModeration } from '../safety/text-moderation.js';
import type { UsageMeter } from '../safety/usage/usage-meter.js';
import type { ChatterStore } from '../stores/chatter-store.js';
import type { ContextStore } from '../stores/context-store.js';
import type { InteractionReply } from '../stores/interaction-log.js';
import { backgroundLines } from './background-lines.js';
import { cleanReply } from './clean-reply.js';
import type { ReplyDelivery } from './delivery.js';
import type { InteractionLifecycle } from './lifecycle.js';
import { StreamCutOffError, type StreamedAnswer, type StreamStop, streamAnswer } from './streamed-answer.js';

export interface WorkerDeps {
  config: Pick<Config, 'bot' | 'personalities' | 'limits' | 'queue'>;
  communities: CommunitySettingsSource;
  context: ContextStore;
  ai: AiService;
  /** Records each state change and tells whoever waits. */
  lifecycle: InteractionLifecycle;
  /** Typing indicators, streamed replies, and whether a re-run's reply already went out. */
  delivery: Pick<ReplyDelivery, 'startTyping' | 'stopTyping' | 'openStream' | 'alreadyDelivered'> &
    Partial<Pick<ReplyDelivery, 'streamsEveryReply'>>;
  logger: Logger;
  /**
   * Why an interaction must not be answered any more (`moderated`: its user was banned or timed
   * out, its message deleted), asked when the job's turn comes and again just before the reply is
   * stored and delivered: a reason ends the interaction `ignored` with it. Undefined = go on.
   */
  holdBack?: (job: InteractionJob) => Promise<string | undefined>;
  /** Counts each answer's tokens and cost (budgets, usage); never throws. */
  usage?: Pick<UsageMeter, 'record'>;
  /** PII masking of the prompt, the moderation endpoint, and the checks of each reply. */
  moderation?: TextModeration;
  /** Each channel's recent unaddressed chatter, given to the prompt as background (none when unset). */
  chatter?: Pick<ChatterStore, 'recent'>;
}

/** The user's text was refused before any provider was called: the interaction ends `ignored`. */
class InputRefused extends Error {
  constructor(readonly reason: string) {
    super(`input refused: ${reason}`);
  }
}

const FALLBACK_REPLY_MAX_CHARS = 2000;

/**
 * Builds the function the queue runs for each interaction: community settings and context →
 * prompt → AI service → cleaned reply (reasoning stripped, cut to the platform's limit) → context
 * turn stored → done, recorded and delivered through the lifecycle. An event too old by its turn
 * is dropped as `stale`; one that moderation holds back (`holdBack`, asked at its turn and before
 * the reply is stored) ends `ignored` with its reason. When the AI chain fails, a job with runs left (`job.attemptsLeft`) is
 * shown as retrying and the error thrown for the queue to run it again; otherwise it ends as
 * failed (recorded, told) and the runner says so (`{ failed }`). A run whose signal aborted (the
 * queue cut it: time limit, shutdown, hand-back) records nothing and throws: the queue ends it.
 *
 * Streamed replies: when the community has `streamReplies`, no moderation endpoint (it judges
 * whole replies only) and the delivery can stream to the event's chat (`ReplyDelivery.openStream`:
 * an adapter of this process that edits, no reply queue), the answer is shown as the model writes
 * it, reasoning never, each new visible text checked first against the blocked terms, the link
 * rule and the hold-back (one store read); a stop there ends the answer unread (a blocked reply,
 * or `ignored`). The interaction is then recorded and delivered as any other, its final
 * text (or blocked reply) ending the stream. A model that fails after text was shown ends the
 * interaction `failed` without a retry (the chat would get a second answer), its text marked cut off.
 * "typing…" shows from the queueing (`ReplyDelivery.queued`) or from the run's start.
 */
export function createInteractionRunner(deps: WorkerDeps): JobRunner {
  return async (job, signal) => {
    const started = performance.now();
    const { event } = job;
    const log = deps.logger.child({
      interaction: job.interactionId,
      community: event.communityId,
      user: hashUserId(event.platform, event.user.id),
    });
    // A job run again after its worker died (or after a hand-back) whose reply already reached the
    // reply queue: it is on its way, so neither ask the model again nor send it twice.
    if (job.rerun && (await deps.delivery.alreadyDelivered(job))) {
      log.info({ action: 'interaction', result: 'already_delivered' }, 'interaction already delivered');
      return;
    }
    // An answer to an old message (after a restart, an outage, a long backlog) would only confuse
    // the chat: drop it, count it, and tell a waiting caller. A question that waited for a human
    // (`runAt`) ages from the end of its wait.
    const ageMs = Date.now() - Math.max(event.receivedAt, job.runAt ?? 0);
    if (ageMs > deps.config.queue.replyMaxAgeMs) {
      log.info({ action: 'interaction', result: 'stale', age_ms: ageMs }, 'stale interaction dropped');
      await deps.lifecycle.ignored(job, 'stale');
      return;
    }
    const held = await deps.holdBack?.(job);
    if (held) {
      log.info({ action: 'interaction', result: 'ignored', reason: held }, 'interaction held back');
      await deps.lifecycle.ignored(job, held);
      return;
    }
    if (job.notice !== undefined) {
      await deps.lifecycle.notice(job, noticeReply(job.notice, started));
      return;
    }
    await deps.lifecycle.running(job);
    // Stopped when the interaction ends (its outcome delivered), its reply starts to show, or the run fails.
    deps.delivery.startTyping(job.interactionId, event);
    let reply: InteractionReply | HeldBack;
    try {
      reply = await produceReply(deps, job, signal, started);
      signal.throwIfAborted();
    } catch (error) {
      // No "typing…" left behind by a run that ends here without an outcome (a retry or a cut may
      // end elsewhere, where nothing stops it).
      deps.delivery.stopTyping(job.interactionId);
      // Cut by the queue, which ends the interaction (or hands it to another instance).
      if (signal.aborted) throw signal.reason;
      if (error instanceof InputRefused) {
        log.info({ action: 'interaction', result: 'ignored', reason: error.reason }, 'input refused');
        await deps.lifecycle.ignored(job, error.reason);
        return;
      }
      const reason = error instanceof Error ? error.message : 'failed';
      if ((job.attemptsLeft ?? 0) > 0 && !(error instanceof StreamCutOffError)) {
        log.warn(
          { action: 'interaction', result: 'retry', reason, attempts_left: job.attemptsLeft },
          'interaction failed; the queue will run it again',
        );
        await deps.lifecycle.retrying(job, reason);
        throw error;
      }
      const processingTimeMs = Math.round(performance.now() - started);
      log.warn(
        { action: 'interaction', result: 'failed', reason, execution_time_ms: processingTimeMs },
        'interaction failed',
      );
      await deps.lifecycle.failed(job, reason, processingTimeMs);
      return { failed: reason };
    }
    if ('heldBack' in reply) {
      log.info({ action: 'interaction', result: 'ignored', reason: reply.heldBack }, 'reply held back');
      await deps.lifecycle.ignored(job, reply.heldBack);
      return;
    }
    log.info(
      {
        action: 'interaction',
        result: 'done',
        trigger: job.trigger,
        provider: reply.provider,
        mode: reply.mode,
        service_status: reply.serviceStatus,
        fallback_reason: reply.fallbackReason,
        blocked: reply.blocked,
        execution_time_ms: reply.processingTimeMs,
      },
      'interaction done',
    );
    await deps.lifecycle.done(job, reply);
  };
}

/** A reply made but not to be stored or sent (see `WorkerDeps.holdBack`), and why. */
interface HeldBack {
  heldBack: string;
}

async function produceReply(
  deps: WorkerDeps,
  job: InteractionJob,
  signal: AbortSignal,
  started: number,
): Promise<InteractionReply | HeldBack> {
  const { event } = job;
  const community = settingsForChannel(await deps.communities.get(event.communityId), event.channelId);
  // Shared scope: the channel's turns, each user turn labelled with its speaker by the fence.
  const key =
    community.contextScope === 'channel'
      ? `${event.communityId}|${event.channelId}|*`
      : conversationKey(event);
  const context = await deps.context.get(key);
  const { limits } = deps.config;
  const messageMaxChars = limits.messageMaxChars[event.platform] ?? FALLBACK_REPLY_MAX_CHARS;
  const replyMaxChars = limits.replyMaxChars[event.platform] ?? messageMaxChars;
  // What the provider (and the moderation endpoint) may see of the user's words.
  const userText = deps.moderation?.promptText(job.text, community) ?? job.text;
  const refused = await deps.moderation?.checkInput(userText, community, signal);
  if (refused) throw new InputRefused(refused);
  const persona = personaOf(deps.config.personalities, community, conversationKey(event), job.personality);
  const messages = buildPrompt({
    botName: deps.config.bot.name,
    persona,
    event,
    trigger: job.trigger,
    text: userText,
    context,
    // The model is asked to fit one message; a longer answer is split by the adapter.
    replyMaxChars: messageMaxChars,
    background: deps.chatter ? await backgroundLines(deps.chatter, event, community, deps.logger) : [],
  });
  const request = {
    community,
    messages,
    hint: { text: userText, userName: event.user.displayName || event.user.login, eventType: event.type },
    signal,
  };
  // A moderation endpoint judges whole replies: such a community's replies are not shown before it has.
  const wantsStream = community.streamReplies || deps.delivery.streamsEveryReply?.(job) === true;
  const stream =
    wantsStream && !community.moderation.moderationUrl ? deps.delivery.openStream(job) : undefined;
  const result = stream
    ? await streamed(deps, job, community, stream, request, replyMaxChars)
    : await deps.ai.complete(request);
  const promptChars = messages.reduce((sum, message) => sum + message.content.length, 0);
  // Spent whatever becomes of the reply; counted before the interaction ends and its budget
  // reservation is released, so that the counters never dip below what was used.
  await deps.usage?.record({
    communityId: event.communityId,
    channelId: event.channelId,
    userId: event.user.id,
    keyId: job.keyId,
    model: result.model,
    usage: result.usage,
    promptChars,
    completionChars: result.content.length,
  });
  const answered = {
    mode: result.mode,
    provider: result.provider,
    model: result.model,
    serviceStatus: result.serviceStatus,
    fallbackReason: result.fallbackReason,
    prompt: { messages: messages.length, chars: promptChars, tokens: result.usage?.prompt_tokens },
  };
  const stopped = 'stopped' in result ? result.stopped : undefined;
  if (stopped && 'heldBack' in stopped) return { heldBack: stopped.heldBack };
  if (stopped) {
    const processingTimeMs = Math.round(performance.now() - started);
    const blocked = stopped.blocked;
    return { text: community.moderation.blockedReply ?? '', ...answered, blocked, processingTimeMs };
  }
  const text = cleanReply(result.content, replyMaxChars);
  if (!text) throw new Error('the model answered with nothing but reasoning or whitespace');
  // Asked again now: the user may have been banned, or the message deleted, while the model wrote.
  // Before the context write, so that a forgotten user's turn does not come back.
  const heldBack = await deps.holdBack?.(job);
  if (heldBack) return { heldBack };
  // A stopped reply is neither sent nor kept as context: the community's blocked_reply (or nothing) goes instead.
  const blocked = await deps.moderation?.checkReply(text, community, event.platform, signal);
  if (blocked) {
    const processingTimeMs = Math.round(performance.now() - started);
    return { text: community.moderation.blockedReply ?? '', ...answered, blocked, processingTimeMs };
  }
  const now = Date.now();
  await deps.context.append(key, [
    {
      role: 'user',
      content: userTurn({ event, trigger: job.trigger, text: userText }),
      at: event.receivedAt,
    },
    { role: 'assistant', content: text, at: now },
  ]);
  return { text, ...answered, processingTimeMs: Math.round(performance.now() - started) };
}

/**
 * The answer streamed into `stream` (see `createInteractionRunner`). A failure before anything was
 * shown leaves the stream as it was (empty) and is thrown as it is: the job may run again.
 */
async function streamed(
  deps: WorkerDeps,
  job: InteractionJob,
  community: CommunitySettings,
  stream: ReplyStream,
  request: AiRequest & { signal: AbortSignal },
  replyMaxChars: number,
): Promise<StreamedAnswer> {
  const check = async (visible: string): Promise<StreamStop | undefined> => {
    const blocked = await deps.moderation?.checkReply(visible, community, job.event.platform, request.signal);
    if (blocked) return { blocked };
    const heldBack = await deps.holdBack?.(job);
    return heldBack ? { heldBack } : undefined;
  };
  try {
    return await streamAnswer({ ai: deps.ai, request, stream, check, maxChars: replyMaxChars });
  } catch (error) {
    // Nothing shown: close the stream now; a run again opens a new one.
    if (!(error instanceof StreamCutOffError)) await stream.abort();
    throw error;
  }
}

/** A notice as an interaction reply: chatgate's own words, no model involved. */
function noticeReply(text: string, started: number): InteractionReply {
  return {
    text,
    mode: 'local',
    provider: 'chatgate',
    model: 'notice',
    serviceStatus: 'healthy',
    processingTimeMs: Math.round(performance.now() - started),
  };
}

/**
 * The persona an answer is written with: a per-event `personality` (the web chat's session choice)
 * first, then the community's `systemPrompt`, then its personality (as a channel's personality
 * clears the community's system prompt in `settingsForChannel`).
 * @param conversation the conversation key, for `random` (see `personaFor`).
 */
export function personaOf(
  personalities: Record<string, string>,
  community: Pick<CommunitySettings, 'systemPrompt' | 'personality'>,
  conversation: string,
  personality?: string,
): string {
  if (personality !== undefined) return personaFor(personalities, personality, conversation);
  return community.systemPrompt ?? personaFor(personalities, community.personality, conversation);
}

/**
 * The persona text of a personality. `random` picks one per conversation from a hash of its key,
 * so a conversation keeps its persona (as a person stays the same person) without storing a pick.
 */
export function personaFor(
  personalities: Record<string, string>,
  personality: string,
  conversation: string,
): string {
  const names = Object.keys(personalities);
  if (personality === 'random' && names.length > 0) {
    const hash = createHash('sha256').update(conversation).digest().readUInt32BE(0);
    return personalities[names[hash % names.length] as string] as string;
  }
  return personalities[personality] ?? personalities[names[0] as string] ?? '';
}
