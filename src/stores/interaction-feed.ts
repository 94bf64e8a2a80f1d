import type { Interaction, InteractionFilter, InteractionLog } from './interaction-log.js';

/** Told the id of each interaction added or changed (after the log took the write). */
export type InteractionListener = (id: string) => void;

/**
 * An InteractionLog that tells listeners which interactions were added or changed, for live views
 * (the console's event stream, `GET /api/v1/console/events`). Listeners are called synchronously
 * after the underlying write settles; one that throws is dropped, never the write.
 */
export class WatchedInteractionLog implements InteractionLog {
  private readonly listeners = new Set<InteractionListener>();

  constructor(private readonly inner: InteractionLog) {}

  get status(): 'ok' | 'degraded' | undefined {
    return this.inner.status;
  }

  /** Calls `listener` with the id of every later add or update; returns the function that stops it. */
  watch(listener: InteractionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async add(interaction: Interaction): Promise<void> {
    await this.inner.add(interaction);
    this.tell(interaction.id);
  }

  async update(id: string, patch: Partial<Omit<Interaction, 'id' | 'event'>>): Promise<void> {
    await this.inner.update(id, patch);
    this.tell(id);
  }

  get(id: string): Promise<Interaction | undefined> {
    return this.inner.get(id);
  }

  list(filter: InteractionFilter): Promise<Interaction[]> {
    return this.inner.list(filter);
  }

  private tell(id: string): void {
    for (const listener of this.listeners) {
      try {
        listener(id);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }
}
