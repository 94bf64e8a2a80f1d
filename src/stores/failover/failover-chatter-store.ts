import type { ChatterLine, ChatterStore, ChatterWindow, NewChatterLine } from '../chatter-store.js';
import { type FailoverOptions, FailoverStore } from './failover-switch.js';

/**
 * Channel chatter on Redis with the in-process store as a fallback while Redis is down. Lines
 * written during an outage stay in memory and are not copied back; they are background only, and
 * age out within the window anyway.
 */
export class FailoverChatterStore extends FailoverStore<ChatterStore> implements ChatterStore {
  constructor(options: FailoverOptions<ChatterStore>) {
    super('chatter', options);
  }

  add(channel: string, line: NewChatterLine, window: ChatterWindow): Promise<void> {
    return this.run((store) => store.add(channel, line, window));
  }

  recent(channel: string, window: ChatterWindow): Promise<ChatterLine[]> {
    return this.run((store) => store.recent(channel, window));
  }

  forget(channel: string, userIds: Iterable<string>): Promise<void> {
    // Both: a forgotten user's lines must not come back from memory later.
    const ids = [...userIds];
    return this.runOnBoth((store) => store.forget(channel, ids));
  }
}
