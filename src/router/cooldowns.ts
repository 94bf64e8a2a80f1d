import type { TriggerKind, TriggerSettings } from '../config/schema.js';
import type { ChatEvent } from '../core/chat-event.js';
import type { KeyStore } from '../stores/key-store.js';

/**
 * Takes a trigger's per-user and per-channel cooldowns for an event, both or neither: when the
 * channel's is held, the user's just taken is given back.
 * @returns `acquired`: true when the event may be answered now; `release`: gives back what was
 *   taken (the interaction could not be queued after all).
 */
export async function acquireCooldowns(
  keys: KeyStore,
  event: ChatEvent,
  kind: TriggerKind,
  settings: Pick<TriggerSettings, 'userCooldownMs' | 'channelCooldownMs'>,
): Promise<{ acquired: boolean; release: () => Promise<void> }> {
  const base = `cooldown:${event.communityId}:${event.channelId}:${kind}`;
  const userKey = `${base}:user:${event.user.id}`;
  const channelKey = `${base}:channel`;
  const held: string[] = [];
  const release = async () => {
    await Promise.all(held.map((key) => keys.release(key)));
  };
  if (settings.userCooldownMs > 0) {
    if (!(await keys.claim(userKey, settings.userCooldownMs))) return { acquired: false, release };
    held.push(userKey);
  }
  if (settings.channelCooldownMs > 0) {
    if (!(await keys.claim(channelKey, settings.channelCooldownMs))) {
      await release();
      return { acquired: false, release };
    }
    held.push(channelKey);
  }
  return { acquired: true, release };
}
