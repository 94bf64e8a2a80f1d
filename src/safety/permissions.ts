import type { CommunitySettings } from '../community/community-settings.js';
import type { TriggerKind } from '../config/schema.js';
import type { ChatUser } from '../core/chat-event.js';
import { meetsRole } from './roles.js';

/**
 * Whether a community's permissions let `user` use trigger `trigger`: `blocked_user` when the user
 * is on `permissions.blockUsers`, `role` when they hold neither the community's `minRole` nor the
 * trigger's (and are not on `allowUsers`), undefined when they may. Users are matched by platform
 * id or by login, case-insensitively.
 */
export function permissionRefusal(
  user: Pick<ChatUser, 'id' | 'login' | 'roles'>,
  community: Pick<CommunitySettings, 'permissions' | 'triggers'>,
  trigger: TriggerKind,
): 'blocked_user' | 'role' | undefined {
  const { permissions } = community;
  if (listed(permissions.blockUsers, user)) return 'blocked_user';
  if (listed(permissions.allowUsers, user)) return undefined;
  if (!meetsRole(user, permissions.minRole)) return 'role';
  const triggerRole = community.triggers.kinds[trigger]?.minRole;
  if (triggerRole && !meetsRole(user, triggerRole)) return 'role';
  return undefined;
}

/** Whether `user` is in `list`, by id or login (`@` and case ignored). */
export function listed(list: readonly string[], user: Pick<ChatUser, 'id' | 'login'>): boolean {
  if (list.length === 0) return false;
  const login = user.login.toLowerCase();
  return list.some((entry) => {
    const name = entry.replace(/^@/, '').toLowerCase();
    return name === user.id || (login !== '' && name === login);
  });
}
