import type { KeyStore } from '../stores/key-store.js';
import type { GuardInput, IngestGuard, Refusal } from './guards.js';

/** `safety.loopGuard` in the config: at most `maxTurns` bot events per channel per `windowMs` (ms). */
export interface LoopGuardSettings {
  maxTurns: number;
  windowMs: number;
}

/**
 * Stops two bots talking to each other forever: the router lets another bot through only when it
 * addresses us, and this guard lets at most `maxTurns` such events per channel through in each
 * window of `windowMs` (the window starts with the first one; counted in the key store, so shared
 * across instances on Redis). Later bot events in the window are ignored with reason `loop_guard`.
 * Human users are never counted. Put it after the guards that refuse for other reasons, so that a
 * refused bot event does not use up a turn.
 */
export function loopGuard(keys: KeyStore, settings: LoopGuardSettings): IngestGuard {
  return {
    name: 'loop_guard',
    async check({ event }: GuardInput): Promise<Refusal | undefined> {
      if (!event.user.isBot) return undefined;
      const turns = await keys.increment(`loop:${event.communityId}:${event.channelId}`, settings.windowMs);
      return turns > settings.maxTurns ? { reason: 'loop_guard' } : undefined;
    },
  };
}
