import type { ChatEvent, Platform } from './chat-event.js';

/** A connection state, as a platform bot reports it (satori's statuses). */
export type AdapterStatus = 'offline' | 'connecting' | 'online' | 'reconnecting';

/** A reply to deliver to the platform the event came from. */
export interface OutgoingReply {
  /** The event being answered: the adapter replies in its channel/thread, to its message. */
  event: ChatEvent;
  /** The reply text, already cleaned; the adapter splits it to the platform's limits. */
  text: string;
}

/**
 * What every platform adapter (adapters/twitch, telegram, discord) provides. The core never imports
 * an adapter; `main.ts` wires them: `start(onEvent)` hands each normalized event to the router.
 */
export interface PlatformAdapter {
  readonly platform: Platform;
  readonly status: AdapterStatus;
  /** Connects and starts emitting events. Catches its own connection errors (status shows them). */
  start(onEvent: (event: ChatEvent) => void): Promise<void>;
  /** Sends a reply within the platform's limits. Throws when the platform refuses it. */
  send(reply: OutgoingReply): Promise<void>;
  /** Shows "typing…" where the platform has it; returns a function that stops it. */
  typing?(event: ChatEvent): () => void;
  stop(): Promise<void>;
}
