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

/**
 * Each list as a set of lower-case names without `@`, built once per list: the lists come from the
 * community's settings, which are cached objects, so a WeakMap keyed on the array serves each
 * event with one or two set look-ups instead of a scan of up to 1,000 entries.
 */
const compiled = new WeakMap<readonly string[], ReadonlySet<string>>();

function setOf(list: readonly string[]): ReadonlySet<string> {
  let set = compiled.get(list);
  if (!set) {
    set = new Set(list.map((entry) => entry.replace(/^@/, '').toLowerCase()));
    compiled.set(list, set);
  }
  return set;
}

/** Whether `user` is in `list`, by id or login (`@` and case ignored). */
export function listed(list: readonly string[], user: Pick<ChatUser, 'id' | 'login'>): boolean {
  if (list.length === 0) return false;
  const names = setOf(list);
  return names.has(user.id.toLowerCase()) || (user.login !== '' && names.has(user.login.toLowerCase()));
}
