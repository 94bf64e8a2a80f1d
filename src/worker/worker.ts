import { createHash } from 'node:crypto';
import { type AiService, AiUnavailableError } from '../ai/ai-service.js';
import { buildPrompt, userTurn } from '../ai/prompt.js';
import type { CommunitySettingsSource } from '../community/community-settings.js';
import type { Config } from '../config/schema.js';
import { conversationKey, withoutRaw } from '../core/chat-event.js';
import { HandBackError, InteractionFailedError } from '../core/errors.js';
import { hashUserId, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { InteractionJob, JobRunner } from '../queue/interaction-queue.js';
import type { ContextStore } from '../stores/context-store.js';
import type { InteractionLog, InteractionReply } from '../stores/interaction-log.js';
import { cleanReply } from './clean-reply.js';
import type { ReplyDelivery } from './delivery.js';

export interface WorkerDeps {
  config: Pick<Config, 'bot' | 'personalities' | 'limits' | 'queue'>;
  communities: CommunitySettingsSource;
  context: ContextStore;
  ai: AiService;
  interactions: InteractionLog;
  delivery: ReplyDelivery;
  metrics: Metrics;
  logger: Logger;
}

const FALLBACK_REPLY_MAX_CHARS = 2000;

/**
 * Builds the function the queue runs for each interaction: community settings and context →
 * prompt → AI service → cleaned reply (reasoning stripped, cut to the platform's limit) → context
 * turn stored → interaction log → delivery. A failure marks the interaction `failed` with its
 * reason and tells the callback; it is never thrown back into the queue, except one: when the
 * signal's reason is a `HandBackError` (a closing redis queue gives the job to another instance),
 * nothing is recorded nor delivered and the `HandBackError` is thrown. With a retrying queue
 * (`job.attemptsLeft`), a failure with runs left is thrown for the queue to run it again later,
 * and the last one, once recorded and told, is thrown as `InteractionFailedError`.
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
    // outbox: it is on its way, so neither ask the model again nor send it twice.
    if (job.rerun && (await deps.delivery.alreadyDelivered(job))) {
      log.info({ action: 'interaction', result: 'already_delivered' }, 'interaction already delivered');
      return;
    }
    // An answer to an old message (after a restart, an outage, a long backlog) would only confuse
    // the chat: drop it, count it, and tell a waiting caller.
    if (Date.now() - event.receivedAt > deps.config.queue.replyMaxAgeMs) {
      await deps.interactions.update(job.interactionId, {
        status: 'ignored',
        reason: 'stale',
        completedAt: Date.now(),
      });
      deps.metrics.eventsIgnored.labels('stale').inc();
      log.info(
        { action: 'interaction', result: 'stale', age_ms: Date.now() - event.receivedAt },
        'stale interaction dropped',
      );
      await deps.delivery.deliver(job, { ok: false, error: 'stale', processingTimeMs: 0 });
      return;
    }
    // Written whole (an upsert), not patched: with an `api` and a `worker` process each buffering
    // its writes, the api's "queued" row may not be in the database yet.
    await deps.interactions.add({
      id: job.interactionId,
      event: withoutRaw(event),
      status: 'running',
      trigger: job.trigger,
      callbackUrl: job.callbackUrl,
      sessionId: job.sessionId,
      createdAt: event.receivedAt,
    });
    const stopTyping = deps.delivery.typing(event);
    try {
      const reply = await produceReply(deps, job, signal, started);
      await deps.interactions.update(job.interactionId, { status: 'done', reply, completedAt: Date.now() });
      deps.metrics.interactions.labels('done', reply.mode, reply.provider).inc();
      deps.metrics.interactionDuration.observe((Date.now() - event.receivedAt) / 1000);
      log.info(
        {
          action: 'interaction',
          result: 'done',
          trigger: job.trigger,
          provider: reply.provider,
          mode: reply.mode,
          service_status: reply.serviceStatus,
          fallback_reason: reply.fallbackReason,
          execution_time_ms: reply.processingTimeMs,
        },
        'interaction done',
      );
      stopTyping();
      await deps.delivery.deliver(job, { ok: true, reply });
    } catch (error) {
      stopTyping();
      // Another instance runs it again: no failure to record, nothing to tell the caller.
      if (signal.reason instanceof HandBackError) throw signal.reason;
      const reason = failureReason(error, signal);
      const processingTimeMs = Math.round(performance.now() - started);
      // The queue runs it again later (with backoff): the AI chain may be back by then.
      if (!signal.aborted && (job.attemptsLeft ?? 0) > 0) {
        await deps.interactions.update(job.interactionId, {
          status: 'queued',
          reason: `retrying: ${reason}`,
        });
        log.warn(
          { action: 'interaction', result: 'retry', reason, attempts_left: job.attemptsLeft },
          'interaction failed; the queue will run it again',
        );
        throw error;
      }
      await deps.interactions.update(job.interactionId, {
        status: 'failed',
        reason,
        completedAt: Date.now(),
      });
      deps.metrics.interactions.labels('failed', 'none', 'none').inc();
      log.warn(
        { action: 'interaction', result: 'failed', reason, execution_time_ms: processingTimeMs },
        'interaction failed',
      );
      await deps.delivery.deliver(job, { ok: false, error: reason, processingTimeMs });
      // A retrying queue keeps the job among its failed ones (shown in /api/v1/ai/status).
      if (job.attemptsLeft !== undefined && !signal.aborted) throw new InteractionFailedError(reason);
    }
  };
}

async function produceReply(
  deps: WorkerDeps,
  job: InteractionJob,
  signal: AbortSignal,
  started: number,
): Promise<InteractionReply> {
  const { event } = job;
  const community = await deps.communities.get(event.communityId);
  // Shared scope: the channel's turns, each user turn labelled with its speaker by the fence.
  const key =
    community.contextScope === 'channel'
      ? `${event.communityId}|${event.channelId}|*`
      : conversationKey(event);
  const context = await deps.context.get(key);
  const { limits } = deps.config;
  const messageMaxChars = limits.messageMaxChars[event.platform] ?? FALLBACK_REPLY_MAX_CHARS;
  const replyMaxChars = limits.replyMaxChars[event.platform] ?? messageMaxChars;
  const persona =
    community.systemPrompt ??
    personaFor(deps.config.personalities, community.personality, conversationKey(event));
  const messages = buildPrompt({
    botName: deps.config.bot.name,
    persona,
    event,
    trigger: job.trigger,
    text: job.text,
    context,
    // The model is asked to fit one message; a longer answer is split by the adapter.
    replyMaxChars: messageMaxChars,
  });
  const result = await deps.ai.complete({
    community,
    messages,
    hint: { text: job.text, userName: event.user.displayName || event.user.login, eventType: event.type },
    signal,
  });
  const text = cleanReply(result.content, replyMaxChars);
  if (!text) throw new Error('the model answered with nothing but reasoning or whitespace');
  const now = Date.now();
  await deps.context.append(key, [
    {
      role: 'user',
      content: userTurn({ event, trigger: job.trigger, text: job.text }),
      at: event.receivedAt,
    },
    { role: 'assistant', content: text, at: now },
  ]);
  return {
    text,
    mode: result.mode,
    provider: result.provider,
    model: result.model,
    serviceStatus: result.serviceStatus,
    fallbackReason: result.fallbackReason,
    processingTimeMs: Math.round(performance.now() - started),
  };
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

function failureReason(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return signal.reason instanceof Error ? signal.reason.message : 'cancelled';
  if (error instanceof AiUnavailableError) return error.message;
  return error instanceof Error ? error.message : 'failed';
}
