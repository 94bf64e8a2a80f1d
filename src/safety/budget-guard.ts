import type { KeyStore } from '../stores/key-store.js';
import type { GuardInput, IngestGuard, Refusal } from './guards.js';
import { scopeKey } from './usage/usage-counters.js';
import type { UsageMeter } from './usage/usage-meter.js';

/** The reservation of a chat event: one per platform event (its id is the dedupe key). */
export const eventReservation = (eventId: string) => `event:${eventId}`;

/**
 * Refuses an event whose user, channel or community has used its daily budget (tokens or USD,
 * `budgets` of the community): reason `budget`. Told once per UTC day, then silence (claimed in the
 * key store, so that one instance sends it): a user over their own budget ("@name, you've used
 * today's AI budget; back tomorrow"), or, when the channel's or the community's budget is spent,
 * the channel once ("Today's AI budget here is used up; back tomorrow."): a chat of thousands must
 * not get one notice per viewer. An event let through holds a reservation (the community's `maxTokens` plus the
 * text's estimate) until its interaction ends (`UsageMeter`), or until the router drops it after
 * all (`release`). Throws only when the usage counters fail.
 */
export class BudgetGuard implements IngestGuard {
  readonly name = 'budget';

  constructor(
    private readonly meter: UsageMeter,
    private readonly keys: KeyStore,
  ) {}

  async check({ event, community, text }: GuardInput): Promise<Refusal | undefined> {
    const admission = await this.meter.reserve(
      eventReservation(event.id),
      community.budgets,
      { communityId: event.communityId, channelId: event.channelId, userId: event.user.id },
      { maxTokens: community.maxTokens, promptChars: text.length, model: community.model },
    );
    if (admission.ok) return undefined;
    const day = this.meter.today();
    const userSpent = admission.scope === scopeKey.user(event.communityId, event.user.id);
    const whose = userSpent
      ? `${event.communityId}:${event.user.id}`
      : `${event.communityId}:${event.channelId}:shared`;
    // Held until a little after midnight, so that it cannot expire before the day it covers ends.
    const told = await this.keys.claim(
      `budget-notice:${day}:${whose}`,
      this.meter.secondsToReset() * 1000 + 60_000,
    );
    if (!told) return { reason: 'budget' };
    if (!userSpent) return { reason: 'budget', notice: "Today's AI budget here is used up; back tomorrow." };
    const name = event.user.login || event.user.displayName;
    return {
      reason: 'budget',
      notice: `${name ? `@${name}, y` : 'Y'}ou've used today's AI budget; back tomorrow.`,
    };
  }

  /** The router did not queue an event this guard let through: its reservation goes back. */
  async release({ event }: GuardInput): Promise<void> {
    await this.meter.release(eventReservation(event.id));
  }
}
