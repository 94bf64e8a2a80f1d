import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AiStream } from '../../ai/ai-result.js';
import type { Usage } from '../../ai/providers/provider.js';
import type { CommunitySettings } from '../../community/community-settings.js';
import { type ScopeLimit, scopeKey } from '../../safety/usage/usage-counters.js';
import type { UsageMeter } from '../../safety/usage/usage-meter.js';
import { OpenAIError } from './errors.js';

/** What an OpenAI route knows of a request before it calls the provider. */
export interface MeterAsk {
  /** The request's `user` or `safety_identifier`: the user its budget and usage count on. */
  userId?: string;
  /** The answer's bound, tokens (`max_tokens`, else the community's); 0 for embeddings. */
  maxTokens: number;
  /** The prompt's (or the embedding input's) length, chars. */
  promptChars: number;
}

/**
 * Budgets and usage on the OpenAI routes, per community: `admit` checks the community's (and the
 * request user's) daily budget and holds a reservation, or throws 429 `budget_exceeded` in
 * OpenAI's shape with `retry-after` (seconds to the next UTC midnight). The ticket it returns
 * records what the upstream used (the final usage chunk of a stream, or an estimate at 4 chars a
 * token of what was streamed when there is none) and releases the reservation at the end.
 * Requests of a stored client key count on its `keyId` too, and its `daily_tokens` is held in the
 * same atomic reservation: requests in flight at once cannot take the key past its day's tokens by
 * more than one answer (the quota hook refuses a key already over before this).
 */
export class RouteMetering {
  /**
   * Reservation ids: this process's random prefix and a count. Unique across the instances that
   * share Redis counters, like a UUID per request, without drawing one on every request.
   */
  private readonly idPrefix = `request:${randomUUID()}:`;
  private issued = 0;

  constructor(private readonly meter: UsageMeter) {}

  /**
   * @throws OpenAIError 429 `budget_exceeded` when a budget of the community or of `ask.userId` is used up.
   */
  async admit(request: FastifyRequest, community: CommunitySettings, ask: MeterAsk): Promise<MeterTicket> {
    const caller = request.caller;
    const subject = {
      communityId: community.communityId,
      ...(ask.userId ? { userId: ask.userId } : {}),
      ...(caller?.kind === 'client' && caller.keyId ? { keyId: caller.keyId } : {}),
    };
    const id = `${this.idPrefix}${++this.issued}`;
    const keyLimit = request.clientKey?.dailyTokens;
    const keyLimits: ScopeLimit[] =
      subject.keyId && keyLimit !== undefined
        ? [{ scope: scopeKey.key(subject.keyId), tokens: keyLimit }]
        : [];
    const admission = await this.meter.reserve(
      id,
      community.budgets,
      subject,
      { maxTokens: ask.maxTokens, promptChars: ask.promptChars, model: community.model },
      keyLimits,
    );
    if (!admission.ok && keyLimits[0]?.scope === admission.scope) {
      throw new OpenAIError(
        429,
        `Rate limit reached for tokens per day (TPD) of this key: Limit ${keyLimit}; the answers under way already hold the rest. Please try again later.`,
        'tokens',
        null,
        'rate_limit_exceeded',
        admission.retryAfterSeconds,
      );
    }
    if (!admission.ok) {
      const whose = admission.scope.startsWith('["user"') ? "This user's" : "This community's";
      throw new OpenAIError(
        429,
        `${whose} daily AI budget is used up; it resets at 00:00 UTC.`,
        'rate_limit_error',
        null,
        'budget_exceeded',
        admission.retryAfterSeconds,
      );
    }
    return new MeterTicket(this.meter, id, admission.held, subject, ask.promptChars);
  }
}

/** One admitted request: record what it used, then release its reservation. */
export class MeterTicket {
  private released = false;

  constructor(
    private readonly meter: UsageMeter,
    private readonly id: string,
    private readonly held: boolean,
    private readonly subject: { communityId: string; userId?: string; keyId?: string },
    private readonly promptChars: number,
  ) {}

  /**
   * Counts an answer of `model` (`usage` as the upstream reported it, else estimated from
   * `completionChars`). Awaited only while a reservation is held, so that the counters never dip
   * below what was used; otherwise it does not hold the answer up.
   */
  async record(
    model: string,
    usage: Pick<Usage, 'prompt_tokens' | 'completion_tokens'> | undefined,
    completionChars: number,
  ): Promise<void> {
    const work = this.meter.record({
      ...this.subject,
      model,
      usage,
      promptChars: this.promptChars,
      completionChars,
    });
    if (this.held) await work;
  }

  /**
   * `stream` with its deltas counted as they pass: when the stream ends, fails or is left (the
   * client went away, the time limit), what was used is recorded: the last usage a delta carried,
   * else an estimate of the characters streamed.
   */
  metered(stream: AiStream): AiStream {
    const ticket = this;
    async function* deltas() {
      let usage: Usage | undefined;
      let chars = 0;
      try {
        for await (const delta of stream.deltas) {
          if (delta.content) chars += delta.content.length;
          if (delta.usage) usage = delta.usage;
          yield delta;
        }
      } finally {
        await ticket.record(stream.model, usage, chars);
      }
    }
    return { ...stream, deltas: deltas() };
  }

  /** Takes the reservation's hold off (once; nothing to do when none was held). */
  async release(): Promise<void> {
    if (!this.held || this.released) return;
    this.released = true;
    await this.meter.release(this.id);
  }
}
