import type { BlockedTermMatchers } from './blocked-terms.js';
import type { GuardInput, IngestGuard, Refusal } from './guards.js';

/**
 * Refuses an event whose message holds one of its community's blocked terms
 * (`moderation.blockedTerms`): ignored with reason `blocked_term`, silently (a notice would tell a
 * troll which word tripped the filter), and no provider is called. The whole message is checked,
 * the bot's address and a command prefix included.
 */
export class BlockedTermGuard implements IngestGuard {
  readonly name = 'blocked_terms';

  constructor(private readonly matchers: BlockedTermMatchers) {}

  check({ event, community }: GuardInput): Refusal | undefined {
    const found = this.matchers.find(community.moderation.blockedTerms, event.text);
    return found === undefined ? undefined : { reason: 'blocked_term' };
  }
}
