/**
 * Channels a platform adapter joined at run time (Twitch logins), remembered across restarts.
 * Backends: SQL (PostgreSQL/PGlite, table `platform_channels`) and in-process (tests).
 */
export interface ChannelStore {
  /** The remembered channels of `platform`, in the order they were added. */
  list(platform: string): Promise<string[]>;
  add(platform: string, channel: string): Promise<void>;
  remove(platform: string, channel: string): Promise<void>;
}

/** Channels in a Map, for tests and the in-process store set. */
export class MemoryChannelStore implements ChannelStore {
  private readonly channels = new Map<string, Set<string>>();

  async list(platform: string): Promise<string[]> {
    return [...(this.channels.get(platform) ?? [])];
  }

  async add(platform: string, channel: string): Promise<void> {
    const set = this.channels.get(platform) ?? new Set<string>();
    set.add(channel);
    this.channels.set(platform, set);
  }

  async remove(platform: string, channel: string): Promise<void> {
    this.channels.get(platform)?.delete(channel);
  }
}
