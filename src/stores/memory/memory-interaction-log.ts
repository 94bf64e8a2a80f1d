import type { Interaction, InteractionFilter, InteractionLog } from '../interaction-log.js';

/**
 * In-process interaction log of at most `maxSize` interactions; adding past that drops the oldest.
 * A Map keeps insertion order, which is creation order, so listing newest first is a reverse walk.
 */
export class MemoryInteractionLog implements InteractionLog {
  private readonly items = new Map<string, Interaction>();

  constructor(private readonly maxSize: number) {}

  async add(interaction: Interaction): Promise<void> {
    this.items.set(interaction.id, interaction);
    while (this.items.size > this.maxSize) {
      const oldest = this.items.keys().next().value as string;
      this.items.delete(oldest);
    }
  }

  async update(id: string, patch: Partial<Omit<Interaction, 'id' | 'event'>>): Promise<void> {
    const current = this.items.get(id);
    if (current) this.items.set(id, { ...current, ...patch });
  }

  async get(id: string): Promise<Interaction | undefined> {
    return this.items.get(id);
  }

  async list(filter: InteractionFilter): Promise<Interaction[]> {
    const found: Interaction[] = [];
    const newestFirst = [...this.items.values()].reverse();
    for (const item of newestFirst) {
      if (found.length >= filter.limit) break;
      if (filter.platform && item.event.platform !== filter.platform) continue;
      if (filter.communityId && item.event.communityId !== filter.communityId) continue;
      if (filter.status && item.status !== filter.status) continue;
      if (!matchesDetail(item, filter)) continue;
      found.push(item);
    }
    return found;
  }
}

/** The filters beyond platform, community and status (channel, user, reason, time range). */
function matchesDetail(item: Interaction, filter: InteractionFilter): boolean {
  const { event } = item;
  if (filter.channelId !== undefined && event.channelId !== filter.channelId) return false;
  if (filter.reason !== undefined && item.reason !== filter.reason) return false;
  if (filter.since !== undefined && item.createdAt < filter.since) return false;
  if (filter.until !== undefined && item.createdAt >= filter.until) return false;
  if (filter.user !== undefined) {
    const wanted = filter.user.toLowerCase();
    if (event.user.id !== filter.user && event.user.login.toLowerCase() !== wanted) return false;
  }
  return true;
}
