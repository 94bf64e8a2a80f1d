import { createParser } from 'eventsource-parser';
import { ApiError, authHeaders } from './api.js';
import type { Interaction, Snapshot, Status } from './types.js';

/** Rows kept in the live tail, newest first. */
const TAIL_SIZE = 200;
/** Reconnect delays after a dropped stream, ms: doubled from the first up to the last. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 15_000;

/** What pages render from; `connected` is false while the stream is down. */
export interface LiveState {
  snapshot: Snapshot;
  connected: boolean;
}

type Listener = (state: LiveState, change: 'snapshot' | 'status' | 'interaction' | 'connection') => void;

/**
 * The console's live view of chatgate: `GET /api/v1/console/events` read with `fetch` and a stream
 * reader (EventSource cannot send the Authorization header), parsed by eventsource-parser. The
 * first event is a whole snapshot; then `interaction` and `status` events update it. A dropped
 * stream is reopened after 1, 2, 4 … 15 s (a fresh snapshot then); a 401/403 stops and calls
 * `onRefused` (the key was revoked). No page polls.
 */
export class LiveFeed {
  private state: LiveState | undefined;
  private readonly listeners = new Set<Listener>();
  private abort = new AbortController();
  private stopped = false;

  constructor(private readonly onRefused: (error: ApiError) => void) {}

  /** The latest state (undefined before the first snapshot). */
  get current(): LiveState | undefined {
    return this.state;
  }

  /** Calls `listener` on every change; returns the function that stops it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Opens the stream; resolves with the first snapshot, rejects when the first connection fails. */
  start(): Promise<Snapshot> {
    return new Promise((resolve, reject) => {
      let first = true;
      let delay = RETRY_FIRST_MS;
      const run = async () => {
        while (!this.stopped) {
          try {
            await this.read((snapshot) => {
              delay = RETRY_FIRST_MS;
              if (first) {
                first = false;
                resolve(snapshot);
              }
            });
          } catch (error) {
            if (this.stopped) return;
            if (first) return reject(error);
            if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
              this.stopped = true;
              return this.onRefused(error);
            }
          }
          if (this.stopped) return;
          this.setConnected(false);
          await new Promise((done) => setTimeout(done, delay));
          delay = Math.min(delay * 2, RETRY_MAX_MS);
        }
      };
      void run();
    });
  }

  /** Closes the stream for good (sign-out). */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.listeners.clear();
  }

  /** Applies a change made through the API (mode, pause) before the stream reports it. */
  patchStatus(patch: Partial<Status>): void {
    if (!this.state) return;
    this.state.snapshot.status = { ...this.state.snapshot.status, ...patch };
    this.emit('status');
  }

  /** Sets one community's pause in the state. */
  patchPause(communityId: string, paused: boolean): void {
    if (!this.state) return;
    const communities = this.state.snapshot.communities;
    const found = communities.find((community) => community.community_id === communityId);
    if (found) found.paused = paused;
    else communities.push({ community_id: communityId, paused });
    this.emit('status');
  }

  private async read(onSnapshot: (snapshot: Snapshot) => void): Promise<void> {
    this.abort = new AbortController();
    const response = await fetch('/api/v1/console/events', {
      headers: { ...authHeaders(), accept: 'text/event-stream' },
      signal: this.abort.signal,
    });
    if (!response.ok || !response.body) {
      const detail = ((await response.json().catch(() => ({}))) as { detail?: string }).detail;
      throw new ApiError(response.status, detail ?? `${response.status} ${response.statusText}`);
    }
    const parser = createParser({
      onEvent: (message) => {
        const data = JSON.parse(message.data) as unknown;
        if (message.event === 'snapshot') {
          this.state = { snapshot: data as Snapshot, connected: true };
          onSnapshot(this.state.snapshot);
          this.emit('snapshot');
        } else if (message.event === 'status' && this.state) {
          this.state.snapshot.status = data as Status;
          this.emit('status');
        } else if (message.event === 'interaction' && this.state) {
          this.upsert(data as Interaction);
          this.emit('interaction');
        }
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(value);
    }
  }

  private upsert(interaction: Interaction): void {
    if (!this.state) return;
    const tail = this.state.snapshot.interactions;
    const at = tail.findIndex((row) => row.interaction_id === interaction.interaction_id);
    if (at >= 0) tail[at] = interaction;
    else tail.unshift(interaction);
    if (tail.length > TAIL_SIZE) tail.length = TAIL_SIZE;
    const { snapshot } = this.state;
    const seen = snapshot.channels[interaction.event.platform] ?? [];
    if (!seen.includes(interaction.event.channel_id)) {
      snapshot.channels[interaction.event.platform] = [...seen, interaction.event.channel_id];
    }
    if (
      !snapshot.communities.some((community) => community.community_id === interaction.event.community_id)
    ) {
      snapshot.communities.push({ community_id: interaction.event.community_id, paused: false });
    }
  }

  private setConnected(connected: boolean): void {
    if (!this.state || this.state.connected === connected) return;
    this.state.connected = connected;
    this.emit('connection');
  }

  private emit(change: Parameters<Listener>[1]): void {
    if (!this.state) return;
    for (const listener of this.listeners) listener(this.state, change);
  }
}
