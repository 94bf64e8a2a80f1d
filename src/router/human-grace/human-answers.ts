import type { ChatEvent } from '../../core/chat-event.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { InteractionJob } from '../../queue/interaction-queue.js';
import type { KeyStore } from '../../stores/key-store.js';
import type { IngestObserver, ObservedEvent } from '../router.js';
import type { HumanGraceStore, WaitingQuestion } from './grace-store.js';

/** The reason a question answered by a human ends `ignored` with. */
export const ANSWERED_BY_HUMAN = 'answered_by_human';

/** `@name` in chat text: letters, digits, `_`, `.` and `-` (Twitch, Telegram and Discord names). */
const MENTION = /@([\p{L}\p{N}_][\p{L}\p{N}_.-]*)/gu;
/** Names looked up per event at most: a line of fifty @mentions costs no more than ten. */
const MAX_MENTIONS = 10;

export interface HumanAnswersOptions {
  store: HumanGraceStore;
  /** Where a question is settled, once, by its first human answer or by the bot's turn. */
  keys: KeyStore;
  metrics: Metrics;
  logger: Logger;
  /**
   * How long a question and its settlement outlive the grace, ms: a job that starts later than this
   * after its grace is stale anyway (`queue.replyMaxAgeMs`).
   */
  marginMs: number;
}

/**
 * "Answer only if no human did" (seed 003; issue 15). As a router observer it remembers each
 * question queued with a wait (`IngestAck.waitMs`) and watches the channel for a human answer to
 * it: a platform reply to its message (`replyTo.messageId`; for HTTP events `reply_to.message_id`),
 * or an `@mention` of its asker (login or display name), by someone who is neither the asker nor a
 * bot. When the job's turn comes, `holdBack` ends a question a human answered as `ignored`
 * (`answered_by_human`).
 *
 * Which came first, a human answer or the bot's turn, is settled by one `KeyStore.claim` of
 * `grace:settled:<interactionId>` (Redis `SET NX` when shared), so several instances agree and a
 * question is counted once, as human or as AI. Figures per community go to the store (`status`)
 * and to `chatgate_human_grace_total{outcome}`.
 */
export class HumanAnswers implements IngestObserver {
  /** Jobs whose turn this process settled for the bot: the worker's second `holdBack` lets them be. */
  private readonly passed = new WeakSet<InteractionJob>();

  constructor(private readonly options: HumanAnswersOptions) {}

  /** Remembers a question that waits, then looks for the waiting questions this event answers. */
  async observe({ event, ack }: ObservedEvent): Promise<void> {
    if (ack.status === 'queued' && ack.waitMs && event.messageId) {
      await this.remember(event, event.messageId, ack.interactionId, ack.waitMs);
    }
    if (!event.user.isBot) await this.settleAnswered(event, ack.interactionId);
  }

  /**
   * For the worker's `holdBack`: `answered_by_human` when a human answered this waiting question
   * first; otherwise settles it for the bot (no later human answer counts) and lets it run.
   * A job without `runAt`, a notice, or a run again (redis: its worker died) is let through.
   */
  async holdBack(job: InteractionJob): Promise<string | undefined> {
    if (job.runAt === undefined || job.notice !== undefined || job.rerun || this.passed.has(job)) {
      return undefined;
    }
    const ttlMs = Math.max(0, job.runAt - Date.now()) + this.options.marginMs;
    if (!(await this.options.keys.claim(settledKey(job.interactionId), ttlMs))) return ANSWERED_BY_HUMAN;
    this.passed.add(job);
    this.options.metrics.humanGrace.labels('ai').inc();
    await this.count(job.event.communityId, 'ai');
    return undefined;
  }

  private async remember(event: ChatEvent, messageId: string, interactionId: string, waitMs: number) {
    const names = [event.user.login, event.user.displayName]
      .map((name) => name.toLowerCase())
      .filter((name) => name !== '' && !/\s/.test(name));
    const question: WaitingQuestion = {
      interactionId,
      communityId: event.communityId,
      channelId: event.channelId,
      messageId,
      askerId: event.user.id,
      askerNames: [...new Set(names)],
      askedAt: event.receivedAt,
      expiresAt: Date.now() + waitMs + this.options.marginMs,
    };
    await this.options.store.add(question);
    this.options.metrics.humanGrace.labels('waited').inc();
    await this.count(event.communityId, 'waited');
  }

  /** Settles, for humans, each waiting question this event answers and the bot has not taken. */
  private async settleAnswered(event: ChatEvent, ownInteractionId: string): Promise<void> {
    const { store, keys } = this.options;
    const { communityId, channelId } = event;
    const found: WaitingQuestion[] = [];
    if (event.replyTo) {
      const question = await store.byMessage(communityId, channelId, event.replyTo.messageId);
      if (question) found.push(question);
    }
    for (const name of mentionedNames(event.text)) {
      found.push(...(await store.byAsker(communityId, channelId, name)));
    }
    const settled = new Set<string>();
    for (const question of found) {
      const { interactionId } = question;
      if (interactionId === ownInteractionId || question.askerId === event.user.id) continue;
      if (settled.has(interactionId)) continue;
      settled.add(interactionId);
      const ttlMs = Math.max(1, question.expiresAt - Date.now());
      // Taken already: by an earlier human answer (counted then), or by the bot's turn.
      if (!(await keys.claim(settledKey(interactionId), ttlMs))) continue;
      const firstAnswerMs = Math.max(0, event.receivedAt - question.askedAt);
      this.options.metrics.humanGrace.labels('human').inc();
      this.options.logger.info(
        {
          action: 'human_grace',
          community: communityId,
          interaction: interactionId,
          answer_ms: firstAnswerMs,
        },
        'a waiting question was answered by a human',
      );
      await this.count(communityId, 'human', firstAnswerMs);
    }
  }

  /** Counts an outcome in the store; a store that fails is logged (the figures are not the answer). */
  private async count(communityId: string, outcome: 'waited' | 'human' | 'ai', firstAnswerMs?: number) {
    try {
      await this.options.store.count(communityId, outcome, firstAnswerMs);
    } catch (error) {
      this.options.logger.warn(
        { err: error, community: communityId },
        'could not count a human-grace outcome',
      );
    }
  }
}

/** The KeyStore key that settles a waiting question, for a human answer or for the bot. */
export function settledKey(interactionId: string): string {
  return `grace:settled:${interactionId}`;
}

/** The lower-case names `@mentioned` in `text`, at most `MAX_MENTIONS`, without trailing `.`/`-`. */
export function mentionedNames(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    const name = (match[1] as string).replace(/[.-]+$/, '').toLowerCase();
    if (name) names.add(name);
    if (names.size >= MAX_MENTIONS) break;
  }
  return [...names];
}
