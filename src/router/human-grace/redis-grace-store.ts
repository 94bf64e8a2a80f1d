import type { Redis } from 'ioredis';
import {
  askerKey,
  GRACE_SAMPLES,
  type GraceOutcome,
  type GraceSummary,
  type HumanGraceStore,
  messageKey,
  summaryOf,
  type WaitingQuestion,
} from './grace-store.js';

/**
 * `HSET` the question under the asker's name, and extend the hash's TTL when this question lives
 * longer than the hash would (never shorten it: an earlier question may wait longer). Atomic.
 */
const ADD_ASKER_LUA = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
`;

/**
 * `HumanGraceStore` on Redis, shared by every instance. Keys under `<prefix>grace:` (default
 * prefix `chatgate:`): `msg:<ids>` (the question as JSON, `PX` until it expires), `asker:<ids>` (a
 * hash of the asker's waiting questions, pruned on read), `stats:<community>` (a hash of counters:
 * `waited`, `human`, `ai`), `samples:<community>` (a list of the last `GRACE_SAMPLES` human answer
 * times, ms) and `communities` (a set of the communities counted). Errors are ioredis errors and
 * propagate.
 */
export class RedisHumanGraceStore implements HumanGraceStore {
  private readonly prefix: string;

  constructor(
    private readonly client: Redis,
    options: { prefix?: string } = {},
  ) {
    this.prefix = `${options.prefix ?? 'chatgate:'}grace:`;
  }

  async add(question: WaitingQuestion): Promise<void> {
    const ttlMs = Math.max(1, Math.ceil(question.expiresAt - Date.now()));
    const { communityId, channelId } = question;
    const json = JSON.stringify(question);
    const batch = this.client.multi();
    batch.set(this.key('msg', messageKey(communityId, channelId, question.messageId)), json, 'PX', ttlMs);
    for (const name of question.askerNames) {
      batch.eval(
        ADD_ASKER_LUA,
        1,
        this.key('asker', askerKey(communityId, channelId, name)),
        question.interactionId,
        json,
        ttlMs,
      );
    }
    throwFirstError(await batch.exec());
  }

  async byMessage(communityId: string, channelId: string, messageId: string) {
    const json = await this.client.get(this.key('msg', messageKey(communityId, channelId, messageId)));
    return json ? (JSON.parse(json) as WaitingQuestion) : undefined;
  }

  async byAsker(communityId: string, channelId: string, name: string): Promise<WaitingQuestion[]> {
    const key = this.key('asker', askerKey(communityId, channelId, name));
    const entries = await this.client.hgetall(key);
    const now = Date.now();
    const live: WaitingQuestion[] = [];
    const expired: string[] = [];
    for (const [id, json] of Object.entries(entries)) {
      const question = JSON.parse(json) as WaitingQuestion;
      if (question.expiresAt > now) live.push(question);
      else expired.push(id);
    }
    if (expired.length > 0) await this.client.hdel(key, ...expired);
    return live;
  }

  async count(communityId: string, outcome: GraceOutcome, firstAnswerMs?: number): Promise<void> {
    const batch = this.client.multi();
    batch.sadd(this.key('communities'), communityId);
    batch.hincrby(this.key('stats', communityId), outcome, 1);
    if (outcome === 'human' && firstAnswerMs !== undefined) {
      const samples = this.key('samples', communityId);
      batch.lpush(samples, Math.round(firstAnswerMs));
      batch.ltrim(samples, 0, GRACE_SAMPLES - 1);
    }
    throwFirstError(await batch.exec());
  }

  async summaries(): Promise<Record<string, GraceSummary>> {
    const communities = await this.client.smembers(this.key('communities'));
    if (communities.length === 0) return {};
    const batch = this.client.pipeline();
    for (const communityId of communities) {
      batch.hgetall(this.key('stats', communityId));
      batch.lrange(this.key('samples', communityId), 0, -1);
    }
    const replies = throwFirstError(await batch.exec());
    const result: Record<string, GraceSummary> = {};
    communities.forEach((communityId, index) => {
      const stats = replies[index * 2]?.[1];
      const samples = replies[index * 2 + 1]?.[1];
      const counts = (stats ?? {}) as Record<string, string>;
      result[communityId] = summaryOf(
        Number(counts.waited ?? 0),
        Number(counts.human ?? 0),
        Number(counts.ai ?? 0),
        ((samples ?? []) as string[]).map(Number),
      );
    });
    return result;
  }

  private key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }
}

/** The replies of a transaction or pipeline; throws the first command's error (or a discarded one). */
function throwFirstError(replies: [Error | null, unknown][] | null): [Error | null, unknown][] {
  if (replies === null) throw new Error('the Redis transaction was discarded');
  for (const [error] of replies) if (error) throw error;
  return replies;
}
