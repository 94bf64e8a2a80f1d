import { LRUCache } from 'lru-cache';

/** A question waiting for a human to answer it (its trigger's `human_grace_ms`). */
export interface WaitingQuestion {
  interactionId: string;
  communityId: string;
  channelId: string;
  /** The platform's id of the question's message (`ChatEvent.messageId`). */
  messageId: string;
  /** The asker's user id: their own reply is no answer. */
  askerId: string;
  /** Lower-case names an `@mention` of the asker may use: login, display name (without spaces). */
  askerNames: string[];
  /** When the question was asked, ms since the epoch. */
  askedAt: number;
  /** Forgotten after this, ms since the epoch: the end of the grace plus a margin. */
  expiresAt: number;
}

/** What became of a waited question: counted when it starts waiting, then once as human or AI. */
export type GraceOutcome = 'waited' | 'human' | 'ai';

/** One community's human-grace figures. */
export interface GraceSummary {
  /** Questions that waited for a human. */
  waited: number;
  /** Of those, answered by a human within the grace (the bot stayed silent). */
  answeredByHuman: number;
  /** Of those, left to the bot: the grace ended with no human answer and its turn came. */
  answeredByAi: number;
  /**
   * Median time from a question to its first human answer over the last `GRACE_SAMPLES` such
   * answers, ms; null before the first.
   */
  medianFirstHumanAnswerMs: number | null;
}

/** Human answer times kept per community for the median (the most recent ones). */
export const GRACE_SAMPLES = 100;

/**
 * Waiting questions, found by their message or by their asker's name, and the per-community
 * figures. Backends: this process (`MemoryHumanGraceStore`) or Redis (`RedisHumanGraceStore`,
 * shared by every instance). Errors are the backend's and propagate.
 */
export interface HumanGraceStore {
  /** Remembers a waiting question until its `expiresAt`. */
  add(question: WaitingQuestion): Promise<void>;
  /** The waiting question of message `messageId` in that channel, if any. */
  byMessage(communityId: string, channelId: string, messageId: string): Promise<WaitingQuestion | undefined>;
  /** The waiting questions in that channel whose asker goes by `name` (lower case). */
  byAsker(communityId: string, channelId: string, name: string): Promise<WaitingQuestion[]>;
  /** Counts one outcome; `firstAnswerMs` (with `human`) is a sample for the median. */
  count(communityId: string, outcome: GraceOutcome, firstAnswerMs?: number): Promise<void>;
  /** Every community's figures, by community id. */
  summaries(): Promise<Record<string, GraceSummary>>;
}

/** The median of some numbers (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : Math.round(((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2);
}

/** Questions and communities remembered at most in process (the oldest go first). */
const MEMORY_MAX_ENTRIES = 10_000;

interface Tally {
  waited: number;
  human: number;
  ai: number;
  samples: number[];
}

/** `HumanGraceStore` in this process (no `REDIS_URL`): LRU maps whose entries expire. */
export class MemoryHumanGraceStore implements HumanGraceStore {
  private readonly messages = new LRUCache<string, WaitingQuestion>({ max: MEMORY_MAX_ENTRIES });
  private readonly askers = new LRUCache<string, Map<string, WaitingQuestion>>({ max: MEMORY_MAX_ENTRIES });
  private readonly tallies = new LRUCache<string, Tally>({ max: MEMORY_MAX_ENTRIES });

  async add(question: WaitingQuestion): Promise<void> {
    const ttl = Math.max(1, question.expiresAt - Date.now());
    const { communityId, channelId } = question;
    this.messages.set(messageKey(communityId, channelId, question.messageId), question, { ttl });
    for (const name of question.askerNames) {
      const key = askerKey(communityId, channelId, name);
      const questions = this.askers.get(key) ?? new Map<string, WaitingQuestion>();
      questions.set(question.interactionId, question);
      this.askers.set(key, questions);
    }
  }

  async byMessage(communityId: string, channelId: string, messageId: string) {
    return this.messages.get(messageKey(communityId, channelId, messageId));
  }

  async byAsker(communityId: string, channelId: string, name: string): Promise<WaitingQuestion[]> {
    const questions = this.askers.get(askerKey(communityId, channelId, name));
    if (!questions) return [];
    const now = Date.now();
    for (const [id, question] of questions) if (question.expiresAt <= now) questions.delete(id);
    return [...questions.values()];
  }

  async count(communityId: string, outcome: GraceOutcome, firstAnswerMs?: number): Promise<void> {
    const tally = this.tallies.get(communityId) ?? { waited: 0, human: 0, ai: 0, samples: [] };
    tally[outcome]++;
    if (outcome === 'human' && firstAnswerMs !== undefined) {
      tally.samples.unshift(firstAnswerMs);
      tally.samples.length = Math.min(tally.samples.length, GRACE_SAMPLES);
    }
    this.tallies.set(communityId, tally);
  }

  async summaries(): Promise<Record<string, GraceSummary>> {
    const result: Record<string, GraceSummary> = {};
    for (const [communityId, tally] of this.tallies.entries()) {
      result[communityId] = summaryOf(tally.waited, tally.human, tally.ai, tally.samples);
    }
    return result;
  }
}

/** A community's figures from its counters and samples. */
export function summaryOf(
  waited: number,
  human: number,
  ai: number,
  samples: readonly number[],
): GraceSummary {
  return { waited, answeredByHuman: human, answeredByAi: ai, medianFirstHumanAnswerMs: median(samples) };
}

/** The key of a question's message: JSON of the ids, so that no id can run into another. */
export function messageKey(communityId: string, channelId: string, messageId: string): string {
  return JSON.stringify([communityId, channelId, messageId]);
}

/** The key of an asker's name in a channel. */
export function askerKey(communityId: string, channelId: string, name: string): string {
  return JSON.stringify([communityId, channelId, name]);
}
