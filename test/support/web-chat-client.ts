import { once } from 'node:events';
import WebSocket from 'ws';

/** A frame the web chat sent (see adapters/web/frames.ts). */
export type Frame = Record<string, unknown> & { type: string };

/**
 * A real `ws` client of `GET /api/v1/ws/chat`: records every frame, and lets a test wait for the
 * next one that matches, or for the close (with its code), on events (never on timers).
 */
export class WebChatClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters: {
    match: (frame: Frame) => boolean;
    from: number;
    resolve: (frame: Frame) => void;
  }[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(frame)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
    });
  }

  /** Opens a socket to `url` (`ws://127.0.0.1:<port>/api/v1/ws/chat`). */
  static async open(url: string): Promise<WebChatClient> {
    const socket = new WebSocket(url);
    const client = new WebChatClient(socket);
    await once(socket, 'open');
    return client;
  }

  /** Sends a frame: an object as JSON, a string as it is. */
  send(frame: object | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /**
   * The first frame received from now on (or already received after index `from`) that matches.
   * Rejects when the socket closes first.
   */
  next(match: (frame: Frame) => boolean, from = this.frames.length): Promise<Frame> {
    const seen = this.frames.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ match, from, resolve });
      void this.closed.then(({ code }) => reject(new Error(`socket closed (${code}) before the frame came`)));
    });
  }

  /**
   * The next frame of `type`; with `interactionId`, the first of that interaction's frames of
   * `type`, however long ago it came.
   */
  nextOf(type: string, interactionId?: string): Promise<Frame> {
    if (interactionId === undefined) return this.next((frame) => frame.type === type);
    return this.next((frame) => frame.type === type && frame.interaction_id === interactionId, 0);
  }

  /** Every frame of `type` for `interactionId` received so far. */
  framesOf(type: string, interactionId: string): Frame[] {
    return this.frames.filter((frame) => frame.type === type && frame.interaction_id === interactionId);
  }

  close(): void {
    this.socket.close();
  }
}
