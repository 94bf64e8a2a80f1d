import type { CommunitySettings } from '../community/community-settings.js';
import { type ChatterStore, chatterKey } from '../stores/chatter-store.js';
import type { ContextStore } from '../stores/context-store.js';

/**
 * Forgets what the bot remembers of users in one channel: each user's own conversation (the
 * worker's key `communityId|channelId|userId`, see `conversationKey`), and, in a community whose
 * context is shared by the channel (`contextScope: 'channel'`), the channel's whole context, since
 * the users' turns are mixed into it and cannot be taken out one by one. Their lines in the
 * channel's chatter (background context) go too, when `chatter` is given.
 * @throws whatever the context or chatter store throws when it cannot be reached.
 */
export async function forgetUsers(
  context: ContextStore,
  community: Pick<CommunitySettings, 'contextScope'>,
  communityId: string,
  channelId: string,
  userIds: Iterable<string>,
  chatter?: Pick<ChatterStore, 'forget'>,
): Promise<void> {
  const ids = [...userIds];
  const keys = new Set<string>();
  for (const id of ids) keys.add(`${communityId}|${channelId}|${id}`);
  if (community.contextScope === 'channel') keys.add(`${communityId}|${channelId}|*`);
  await Promise.all([
    ...[...keys].map((key) => context.clear(key)),
    chatter?.forget(chatterKey(communityId, channelId), ids),
  ]);
}
