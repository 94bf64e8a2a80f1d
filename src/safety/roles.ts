import type { ChatUser, UserRole } from '../core/chat-event.js';

/**
 * The roles a community can require (`permissions.min_role`, `triggers.<kind>.min_role`), lowest
 * first: each admits everyone at its rank and above.
 */
export const MIN_ROLES = ['everyone', 'subscriber', 'vip', 'moderator', 'broadcaster'] as const;
export type MinRole = (typeof MIN_ROLES)[number];

/**
 * A platform role's rank on the `MIN_ROLES` scale. `admin` (a Discord Administrator, the owner of
 * a Telegram private chat) ranks as `broadcaster`: the one who owns the place.
 */
const RANK: Readonly<Record<UserRole, number>> = {
  subscriber: 1,
  vip: 2,
  moderator: 3,
  broadcaster: 4,
  admin: 4,
};

/** The highest rank among `user.roles` on the `MIN_ROLES` scale (0 = `everyone`). */
export function rankOf(user: Pick<ChatUser, 'roles'>): number {
  let rank = 0;
  for (const role of user.roles) rank = Math.max(rank, RANK[role] ?? 0);
  return rank;
}

/** Whether `user` holds `minRole` or a higher one. */
export function meetsRole(user: Pick<ChatUser, 'roles'>, minRole: MinRole): boolean {
  return rankOf(user) >= MIN_ROLES.indexOf(minRole);
}

/** Whether `user` may run the bot's moderator commands (`!ai off` …): a moderator or the owner. */
export function isModerator(user: Pick<ChatUser, 'roles'>): boolean {
  return meetsRole(user, 'moderator');
}
