import { randomUUID } from 'node:crypto';
import {
  type CommunitySettings,
  type CommunitySettingsSource,
  settingsForChannel,
} from '../community/community-settings.js';
import type { TriggerKind } from '../config/schema.js';
import type { IngestAck } from '../core/adapter.js';
import { type ChatEvent, withoutRaw } from '../core/chat-event.js';
import { QueueFullError, QueueUnavailableError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import { hashUserId } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { InteractionQueue } from '../queue/interaction-queue.js';
import type { ChatCommandHandler, GuardInput, IngestGuard, Refusal } from '../safety/guards.js';
import { permissionRefusal } from '../safety/permissions.js';
import type { Interaction, InteractionLog } from '../stores/interaction-log.js';
import type { KeyStore } from '../stores/key-store.js';
import { acquireCooldowns } from './cooldowns.js';
import { matchTrigger } from './triggers/index.js';
import { stripAddress } from './triggers/mention.js';

/** Where the reply of an event that came over HTTP should go, and the caller's session. */
export interface IngestOptions {
  callbackUrl?: string;
  sessionId?: string;
  /** Set by the platform edge: the event came from one of our adapters (see `InteractionJob`). */
  fromAdapter?: boolean;
  /** The stored client key that posted the event: its answer's tokens count toward its `daily_tokens`. */
  keyId?: string;
  /** A personality that answers instead of the community's (the web chat's per-session choice). */
  personality?: string;
  /** No trigger matching, probability or cooldowns: answered as a `mention` (see `AdapterIngestOptions`). */
  triggersOff?: boolean;
}

export interface RouterDeps {
  communities: CommunitySettingsSource;
  queue: InteractionQueue;
  interactions: InteractionLog;
  keys: KeyStore;
  metrics: Metrics;
  logger: Logger;
  /** The names the bot answers to (lower case, no `@`). Adapters add their own handles. */
  botNames: string[];
  /** How long event ids are remembered for dedupe, ms. */
  dedupeTtlMs: number;
  /** At most `max` queued replies per channel per `windowMs`. */
  channelReplyCap: { max: number; windowMs: number };
  /** Source of randomness for response probabilities; seeded in tests. */
  random?: () => number;
  /** Chat commands handled before trigger matching (moderators' `!ai off` …). */
  commands?: ChatCommandHandler;
  /**
   * Safety checks run in order on each event whose trigger matched and whose user passed the
   * community's permissions (paused channel, moderated user, blocked terms, budgets …).
   */
  guards?: readonly IngestGuard[];
  /**
   * Told of every event the router decided on (not duplicates, self or other bots' lines), with
   * its ack and its community's settings, after the decision: human answers to a waiting question
   * (human grace), the channel's chatter (background context). Awaited in order; one that throws
   * is logged and the ack stands.
   */
  observers?: readonly IngestObserver[];
}

/** What an observer is told of one routed event. */
export interface ObservedEvent {
  event: ChatEvent;
  ack: IngestAck;
  /** The settings the event was decided with (its channel's override applied). */
  community: CommunitySettings;
}

/** Watches the routed events (see `RouterDeps.observers`). */
export interface IngestObserver {
  observe(observed: ObservedEvent): Promise<void> | void;
}

/**
 * Decides, for each event, whether the bot answers: dedupe → ignore self and other bots (unless
 * they address us) → chat commands → the community's triggers in order → permissions (blocked
 * user, role) → safety guards → probability → cooldowns → enqueue. Every event is recorded in the
 * interaction log with what became of it. A refusal may carry a notice (a command's confirmation,
 * "you've used today's AI budget"): it is queued as a job that sends that line and calls no model.
 * With `triggersOff` (the web chat) the triggers, probability and cooldowns are skipped: the event
 * is a `mention`, and everything else holds.
 */
export class Router {
  private readonly random: () => number;

  constructor(private readonly deps: RouterDeps) {
    this.random = deps.random ?? Math.random;
  }

  /** Adds a name the bot answers to (an adapter's login or handle). */
  addBotName(name: string): void {
    const lower = name.toLowerCase().replace(/^@/, '');
    if (!this.deps.botNames.includes(lower)) this.deps.botNames.push(lower);
  }

  /**
   * Routes one event; the ack says what became of it (a bad or unwanted event is `ignored`, a full,
   * unreachable or closing queue `rejected`). Rejects only when a store fails (dedupe keys, community config,
   * the interaction log).
   */
  async ingest(event: ChatEvent, options: IngestOptions = {}): Promise<IngestAck> {
    const decided: { community?: CommunitySettings } = {};
    const ack = await this.decide(event, options, decided);
    const { community } = decided;
    if (community && this.deps.observers) {
      for (const observer of this.deps.observers) {
        try {
          await observer.observe({ event, ack, community });
        } catch (error) {
          this.deps.logger.warn({ err: error, community: event.communityId }, 'an event observer failed');
        }
      }
    }
    return ack;
  }

  /** The decision of `ingest`; sets `decided.community` once the event got past dedupe and the bot checks. */
  private async decide(
    event: ChatEvent,
    options: IngestOptions,
    decided: { community?: CommunitySettings },
  ): Promise<IngestAck> {
    const { deps } = this;
    const interaction: Interaction = {
      id: randomUUID(),
      event: withoutRaw(event),
      status: 'ignored',
      createdAt: Date.now(),
      callbackUrl: options.callbackUrl,
      sessionId: options.sessionId,
    };
    /** The guards that let this event through, and what they saw (undone if it is not queued). */
    const passed: { guard: IngestGuard; input: GuardInput }[] = [];
    /** Logs the event as not queued (a whole record: it replaces a "queued" one) and acks it. */
    const settle = async (
      status: 'ignored' | 'rejected',
      reason: string,
      trigger?: TriggerKind,
      retryAfterSeconds?: number,
    ): Promise<IngestAck> => {
      deps.metrics.eventsIgnored.labels(reason).inc();
      await Promise.all(passed.map(({ guard, input }) => guard.release?.(input)));
      await deps.interactions.add({ ...interaction, status, reason, trigger, completedAt: Date.now() });
      this.logDecision(event, status, reason, trigger);
      return { interactionId: interaction.id, status, reason, trigger, retryAfterSeconds };
    };
    const ignore = (reason: string, trigger?: TriggerKind) => settle('ignored', reason, trigger);
    /** Ignored, and the refusal's notice (if any) sent in place of an answer. */
    const refuse = async (refusal: Refusal, trigger: TriggerKind, text: string) => {
      const ack = await ignore(refusal.reason, trigger);
      if (refusal.notice) this.enqueueNotice(interaction, event, trigger, text, refusal.notice, options);
      return ack;
    };

    const dedupeKey = `dedupe:${event.id}`;
    if (!(await deps.keys.claim(dedupeKey, deps.dedupeTtlMs))) return ignore('duplicate');
    if (event.user.isBot && deps.botNames.includes(event.user.login.toLowerCase())) return ignore('self');
    if (event.user.isBot && !event.mentionsBot && !event.replyTo?.isBot) return ignore('bot');

    const community = settingsForChannel(await deps.communities.get(event.communityId), event.channelId);
    decided.community = community;
    if (!community.enabled) return ignore('disabled');
    const command = await deps.commands?.handle(event, community);
    if (command) return refuse(command, 'command', event.text);
    const match = options.triggersOff
      ? { kind: 'mention' as const, text: stripAddress(event.text, deps.botNames) }
      : matchTrigger(event, community.triggers.order, community.triggers.kinds, deps.botNames);
    if (!match) return ignore('no_trigger');
    const denied = permissionRefusal(event.user, community, match.kind);
    if (denied) return ignore(denied, match.kind);
    for (const guard of deps.guards ?? []) {
      const input: GuardInput = { event, community, trigger: match.kind, text: match.text };
      const refusal = await guard.check(input);
      if (refusal) return refuse(refusal, match.kind, match.text);
      passed.push({ guard, input });
    }
    const settings = community.triggers.kinds[match.kind];
    if (!options.triggersOff && this.random() >= settings.probability)
      return ignore('probability', match.kind);
    // A full queue refuses at once: no cooldown or reply-cap slot is spent on an answer that will
    // not come, and the dedupe key is given back so that a retry of this event is answered.
    if (deps.queue.isFull) {
      await deps.keys.release(dedupeKey);
      return settle('rejected', 'queue_full', match.kind, deps.queue.retryAfterSeconds());
    }
    const cooldown = options.triggersOff
      ? { acquired: true, release: async () => {} }
      : await acquireCooldowns(deps.keys, event, match.kind, settings);
    if (!cooldown.acquired) return ignore('cooldown', match.kind);
    const cap = deps.channelReplyCap;
    const replies = await deps.keys.increment(`cap:${event.communityId}:${event.channelId}`, cap.windowMs);
    if (replies > cap.max) {
      await cooldown.release();
      return ignore('reply_cap', match.kind);
    }

    await deps.interactions.add({ ...interaction, status: 'queued', trigger: match.kind });
    const waitMs = humanGraceOf(event, settings.humanGraceMs);
    try {
      deps.queue.enqueue({
        interactionId: interaction.id,
        event,
        trigger: match.kind,
        text: match.text,
        callbackUrl: options.callbackUrl,
        sessionId: options.sessionId,
        fromAdapter: options.fromAdapter,
        keyId: options.keyId,
        ...(options.personality !== undefined ? { personality: options.personality } : {}),
        ...(waitMs > 0 ? { runAt: Date.now() + waitMs } : {}),
      });
    } catch (error) {
      // Not queued: give back the dedupe key and cooldowns so that a retry of this event is answered.
      await Promise.all([deps.keys.release(dedupeKey), cooldown.release()]);
      if (error instanceof QueueFullError) {
        return settle('rejected', 'queue_full', match.kind, error.retryAfterSeconds);
      }
      if (error instanceof QueueUnavailableError) {
        return settle('rejected', 'queue_unavailable', match.kind, error.retryAfterSeconds);
      }
      return settle('rejected', 'shutting_down', match.kind);
    }
    deps.metrics.triggersMatched.labels(match.kind).inc();
    this.logDecision(event, 'queued', undefined, match.kind);
    const ack: IngestAck = { interactionId: interaction.id, status: 'queued', trigger: match.kind };
    if (waitMs > 0) ack.waitMs = waitMs;
    return ack;
  }

  /**
   * Queues the job that sends `notice` for an ignored event (its log row stays `ignored`; the
   * worker adds the notice as its reply). A full or closed queue drops the notice: it is a courtesy.
   */
  private enqueueNotice(
    interaction: Interaction,
    event: ChatEvent,
    trigger: TriggerKind,
    text: string,
    notice: string,
    options: IngestOptions,
  ): void {
    try {
      this.deps.queue.enqueue({
        interactionId: interaction.id,
        event,
        trigger,
        text,
        notice,
        callbackUrl: options.callbackUrl,
        sessionId: options.sessionId,
        fromAdapter: options.fromAdapter,
        keyId: options.keyId,
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, interaction: interaction.id }, 'notice not queued');
    }
  }

  private logDecision(event: ChatEvent, result: string, reason?: string, trigger?: TriggerKind): void {
    // Hashing the user id costs more than the rest of the decision; pay it only when logged.
    if (!this.deps.logger.isLevelEnabled('debug')) return;
    this.deps.logger.debug(
      {
        action: 'route',
        community: event.communityId,
        platform: event.platform,
        user: hashUserId(event.platform, event.user.id),
        result,
        reason,
        trigger,
      },
      'event routed',
    );
  }
}

/**
 * How long an interaction waits for a human to answer first, ms (its trigger's `human_grace_ms`;
 * the human-grace observer in `human-grace/` watches for the answer): 0 when off, for an event
 * without a message id (nothing to reply to), and in a private chat (no other human to answer).
 */
function humanGraceOf(event: ChatEvent, humanGraceMs: number | undefined): number {
  if (!humanGraceMs || event.messageId === undefined || event.isDirect) return 0;
  return humanGraceMs;
}
