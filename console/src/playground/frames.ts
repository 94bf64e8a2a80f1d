/**
 * The web chat's frames as the console reads them (`GET /api/v1/ws/chat`; adapters/web/frames.ts,
 * README "WebSocket chat"). JSON text frames, fields in snake_case.
 */

/** The sign-in frame: always the socket's first, and the only place the key goes. */
export interface HelloFrame {
  type: 'hello';
  key: string;
  community_id: string;
  /** Continue this conversation (8–64 of `A-Za-z0-9_-`); left out, the server picks one. */
  session_id?: string;
  /** A configured personality or `random`; left out, the community's own persona answers. */
  personality?: string;
}

export interface MessageFrame {
  type: 'message';
  text: string;
  client_message_id: string;
}

export interface ReadyFrame {
  type: 'ready';
  session_id: string;
  community_id: string;
  user_id: string;
  personality?: string;
  /** What `personality` may name (the configured ones, then `random`). */
  personalities?: string[];
}

export interface AckFrame {
  type: 'ack';
  interaction_id: string;
  status: 'queued' | 'ignored' | 'rejected';
  reason?: string;
  /** With `rejected`: seconds to wait before trying again. */
  retry_after?: number;
  client_message_id?: string;
}

/** Text added to the reply so far; with `replace`, the whole text so far instead. */
export interface DeltaFrame {
  type: 'delta';
  interaction_id: string;
  text: string;
  replace?: true;
}

/** The reply, whole (to show in place of the deltas), and who answered it. */
export interface DoneFrame {
  type: 'done';
  interaction_id: string;
  text: string;
  provider?: string;
  model?: string;
  mode?: string;
  fallback_reason?: string;
  blocked?: string;
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  detail: string;
  field?: string;
  interaction_id?: string;
  client_message_id?: string;
  reason?: string;
  retry_after?: number;
}

export type ServerFrame = ReadyFrame | AckFrame | DeltaFrame | DoneFrame | ErrorFrame | { type: 'pong' };

/** Close codes after which reconnecting cannot help: the key or the community was refused. */
export const REFUSED_CLOSE_CODES: readonly number[] = [4401, 4403];
