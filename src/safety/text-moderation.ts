import type { CommunitySettings } from '../community/community-settings.js';
import type { Platform } from '../core/chat-event.js';
import type { Logger } from '../observability/logger.js';
import type { BlockedTermMatchers } from './blocked-terms.js';
import { type LinkFinder, linksAllowed } from './links.js';
import type { ModerationEndpoint } from './moderation-endpoint.js';
import { maskPii } from './pii.js';

/**
 * Why a text was stopped: a blocked term, a link where links are not allowed, the moderation
 * endpoint flagging it, or that endpoint failing while the community fails closed.
 */
export type ModerationReason = 'blocked_term' | 'link' | 'moderation' | 'moderation_unavailable';

export interface TextModerationDeps {
  matchers: BlockedTermMatchers;
  links: LinkFinder;
  endpoint: ModerationEndpoint;
  logger: Logger;
}

/**
 * The worker's moderation of what goes to the model and what comes back (a community's
 * `moderation` settings): the user's text may be refused by the moderation endpoint before any
 * provider is called; the model's reply may be stopped by a blocked term, a link rule or the
 * endpoint. Blocked terms in the user's text are the router's (`BlockedTermGuard`).
 */
export class TextModeration {
  constructor(private readonly deps: TextModerationDeps) {}

  /**
   * The user's text as the provider may see it: PII masked when the community's
   * `moderation.piiRedaction` is on (the default), as is otherwise.
   */
  promptText(text: string, community: Pick<CommunitySettings, 'moderation'>): string {
    return community.moderation.piiRedaction ? maskPii(text) : text;
  }

  /**
   * The first of the community's blocked terms (`moderation.blockedTerms`) in `text`, or undefined:
   * the router's check, for text that did not go through it (a line no trigger matched).
   */
  blockedTerm(text: string, community: Pick<CommunitySettings, 'moderation'>): string | undefined {
    return this.deps.matchers.find(community.moderation.blockedTerms, text);
  }

  /**
   * Asks the community's moderation endpoint (if any) about the user's text (already as
   * `promptText` gives it: the endpoint is a third party too). Undefined = go on.
   * @throws the signal's reason when it aborts.
   */
  async checkInput(
    text: string,
    community: Pick<CommunitySettings, 'moderation' | 'communityId'>,
    signal?: AbortSignal,
  ): Promise<ModerationReason | undefined> {
    return this.askEndpoint(text, community, 'input', signal);
  }

  /**
   * Why the model's `reply` must not be sent on `platform`, or undefined: a blocked term, then a
   * link when links are not allowed there, then the moderation endpoint (asked last: the others
   * cost nothing).
   * @throws the signal's reason when it aborts.
   */
  async checkReply(
    reply: string,
    community: Pick<CommunitySettings, 'moderation' | 'communityId'>,
    platform: Platform,
    signal?: AbortSignal,
  ): Promise<ModerationReason | undefined> {
    const { moderation } = community;
    if (this.deps.matchers.find(moderation.blockedTerms, reply) !== undefined) return 'blocked_term';
    if (!linksAllowed(moderation.allowLinks, platform) && this.deps.links.has(reply)) return 'link';
    return this.askEndpoint(reply, community, 'reply', signal);
  }

  private async askEndpoint(
    text: string,
    community: Pick<CommunitySettings, 'moderation' | 'communityId'>,
    what: 'input' | 'reply',
    signal?: AbortSignal,
  ): Promise<ModerationReason | undefined> {
    const { moderationUrl, moderationFailOpen } = community.moderation;
    if (!moderationUrl || text === '') return undefined;
    const verdict = await this.deps.endpoint.check(moderationUrl, text, signal);
    if (verdict.kind === 'allowed') return undefined;
    if (verdict.kind === 'flagged') return 'moderation';
    this.deps.logger.warn(
      {
        action: 'moderation',
        community: community.communityId,
        checked: what,
        why: verdict.why,
        result: moderationFailOpen ? 'let_through' : 'blocked',
      },
      'moderation endpoint unavailable',
    );
    return moderationFailOpen ? undefined : 'moderation_unavailable';
  }
}
