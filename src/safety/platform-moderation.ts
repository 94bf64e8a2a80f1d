import type { CommunitySettingsSource } from '../community/community-settings.js';
import type { PlatformModeration } from '../core/adapter.js';
import { hashUserId, type Logger } from '../observability/logger.js';
import type { ChatterStore } from '../stores/chatter-store.js';
import type { ContextStore } from '../stores/context-store.js';
import type { InteractionLog } from '../stores/interaction-log.js';
import { BAN_MARK_MS, type ChatModerationState } from './chat-moderation-state.js';
import { forgetUsers } from './forget-user.js';

/** What `PlatformModerationEffects` works on. */
export interface PlatformModerationDeps {
  state: ChatModerationState;
  context: ContextStore;
  /** The channels' chatter (background context): a banned or timed-out user's lines go too. */
  chatter?: Pick<ChatterStore, 'forget'>;
  communities: CommunitySettingsSource;
  /** Where a community-wide action (a Discord guild ban) finds the channels the user spoke in. */
  interactions: Pick<InteractionLog, 'list'>;
  logger: Logger;
  /** ms since the epoch; `Date.now` unless a test moves time. */
  now?: () => number;
}

/**
 * Applies a moderation action the platform took (an adapter calls `host.moderated(action)`; see
 * `PlatformModeration` in `src/core/adapter.ts`) to chatgate:
 * - `ban` / `timeout`: the user is marked moderated now (shared state: every instance sees it), so
 *   that their waiting interactions end `ignored` / `moderated` when the worker gets to them or
 *   before their reply is delivered, and their new events are ignored `moderated` until the
 *   timeout ends (a ban: for 30 days); their context in that channel is forgotten, or, for an
 *   action on the whole community (`channelId: ''`, a Discord guild ban), in every channel where
 *   the community's last `CHANNEL_LOOKBACK` interactions show them;
 * - `message_deleted`: a reply to that message is not delivered (the interaction ends `ignored` /
 *   `moderated`).
 */
export class PlatformModerationEffects {
  private readonly now: () => number;

  constructor(private readonly deps: PlatformModerationDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Applies `action`.
   * @throws when the safety state, the context store or the community config cannot be reached
   *   (the adapter host logs it).
   */
  async apply(action: PlatformModeration): Promise<void> {
    const { deps } = this;
    if (action.kind === 'message_deleted') {
      await deps.state.markDeleted(action.communityId, action.channelId, action.messageId);
    } else {
      const until = this.now() + (action.kind === 'ban' ? BAN_MARK_MS : Math.max(0, action.durationMs));
      // Mark first: a job that reaches its turn while the context is being cleared is already held.
      await deps.state.markUser(action.communityId, action.userId, until);
      const community = await deps.communities.get(action.communityId);
      const channels = action.channelId
        ? [action.channelId]
        : await this.channelsOf(action.communityId, action.userId);
      for (const channelId of channels) {
        await forgetUsers(
          deps.context,
          community,
          action.communityId,
          channelId,
          [action.userId],
          deps.chatter,
        );
      }
    }
    deps.logger.info(
      {
        action: 'platform_moderation',
        kind: action.kind,
        community: action.communityId,
        user:
          'userId' in action && action.userId
            ? hashUserId(platformOf(action.communityId), action.userId)
            : undefined,
      },
      'platform moderation applied',
    );
  }

  /** The channels of `communityId` where `userId` wrote among its last `CHANNEL_LOOKBACK` events. */
  private async channelsOf(communityId: string, userId: string): Promise<string[]> {
    const recent = await this.deps.interactions.list({ communityId, limit: CHANNEL_LOOKBACK });
    const channels = new Set<string>();
    for (const interaction of recent) {
      if (interaction.event.user.id === userId) channels.add(interaction.event.channelId);
    }
    return [...channels];
  }
}

/** How many recent interactions of a community a community-wide action looks through for channels. */
const CHANNEL_LOOKBACK = 500;

/** The platform part of a community id (`twitch:channel:1` → `twitch`), for hashing user ids. */
function platformOf(communityId: string): string {
  return communityId.split(':', 1)[0] ?? '';
}
