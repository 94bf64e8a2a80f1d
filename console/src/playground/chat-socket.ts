import { type HelloFrame, type MessageFrame, REFUSED_CLOSE_CODES, type ServerFrame } from './frames.js';

/** Reconnect delays after a dropped socket, ms: doubled from the first up to the last. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 15_000;

/** Where the socket is: what the page's status line says. */
export type SocketState =
  | { kind: 'connecting' }
  | { kind: 'ready'; userId: string; sessionId: string }
  /** Dropped: the next try starts in `retryInMs`. */
  | { kind: 'retrying'; code: number; retryInMs: number }
  /** Closed for good: by `close()` (`code` 1000), refused (4401, 4403), or its hello refused (4400). */
  | { kind: 'closed'; code: number; reason: string };

/** Whom the socket signs in as, and where: sent in the hello frame, never in the URL. */
export interface ChatSocketOptions {
  /** The signed-in key (read at each connect; undefined once signed out: the socket stays closed). */
  key: () => string | undefined;
  communityId: string;
  personality?: string;
  /** The conversation to continue; left out, the server starts one (kept for reconnects). */
  sessionId?: string;
  onFrame: (frame: ServerFrame) => void;
  /** A socket dropped or closed with messages not yet answered: those answers will not come. */
  onDropped: () => void;
  onState: (state: SocketState) => void;
}

/** `ws://` or `wss://` + this page's host + the web chat's path. */
function chatUrl(): string {
  const url = new URL('/api/v1/ws/chat', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/**
 * One conversation with the bot over the web chat (`GET /api/v1/ws/chat`): opens the socket, signs
 * in with a `hello` (key, community, persona, the session to continue), and hands every frame to
 * `onFrame`. A dropped socket is reopened after 1, 2, 4 … 15 s, continuing the same session (the
 * context is the session's); a refused key or community (4401, 4403) or a hello answered with an
 * `error` frame is not retried. `close()`
 * ends it for good (leaving the page, Disconnect).
 */
export class ChatSocket {
  private socket: WebSocket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delay = RETRY_FIRST_MS;
  private ready = false;
  private stopped = false;
  private sessionId: string | undefined;

  constructor(private readonly options: ChatSocketOptions) {
    this.sessionId = options.sessionId;
  }

  /** True once the server said `ready`: messages may be sent. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Opens the socket (again, after `close()`: the same session continues). */
  open(): void {
    if (this.socket) return; // Open already (or opening).
    this.stopped = false;
    this.delay = RETRY_FIRST_MS;
    this.connect();
  }

  /**
   * Sends one message (`client_message_id` = `id`, to find its ack).
   * @returns false when the socket is not signed in (nothing was sent).
   */
  send(text: string, id: string): boolean {
    if (!this.ready || this.socket?.readyState !== WebSocket.OPEN) return false;
    const frame: MessageFrame = { type: 'message', text, client_message_id: id };
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Closes the socket for good (no reconnect). */
  close(): void {
    const wasOn = !this.stopped;
    this.stopped = true;
    // Also while waiting to reconnect (no socket then): the retry is called off.
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      this.dropped();
      socket.close(1000, 'closed by the console');
    }
    if (wasOn) this.options.onState({ kind: 'closed', code: 1000, reason: 'Disconnected.' });
  }

  private connect(): void {
    clearTimeout(this.timer);
    const key = this.options.key();
    if (!key) {
      this.stopped = true;
      this.options.onState({ kind: 'closed', code: 4401, reason: 'Signed out.' });
      return;
    }
    this.options.onState({ kind: 'connecting' });
    const socket = new WebSocket(chatUrl());
    this.socket = socket;
    socket.addEventListener('open', () => {
      const hello: HelloFrame = {
        type: 'hello',
        key,
        community_id: this.options.communityId,
        ...(this.sessionId !== undefined && { session_id: this.sessionId }),
        ...(this.options.personality !== undefined && { personality: this.options.personality }),
      };
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener('message', (message) => {
      if (socket !== this.socket || typeof message.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(message.data) as ServerFrame;
      } catch {
        return; // Not ours to show: the server only sends JSON.
      }
      if (frame.type === 'error' && !this.ready) {
        // The hello was refused (a persona no longer configured, say): trying it again would
        // only be refused again, after the server's 10 s hello timeout each time.
        this.options.onFrame(frame);
        this.stopped = true;
        this.socket = undefined;
        socket.close(1000, 'hello refused');
        this.options.onState({ kind: 'closed', code: 4400, reason: frame.detail });
        return;
      }
      if (frame.type === 'ready') {
        this.ready = true;
        this.delay = RETRY_FIRST_MS;
        this.sessionId = frame.session_id;
        this.options.onState({ kind: 'ready', userId: frame.user_id, sessionId: frame.session_id });
      }
      this.options.onFrame(frame);
    });
    socket.addEventListener('close', (event) => {
      // A socket replaced or closed by `close()` has said its last word.
      if (socket !== this.socket) return;
      this.socket = undefined;
      this.dropped();
      if (this.stopped) return;
      if (REFUSED_CLOSE_CODES.includes(event.code)) {
        this.stopped = true;
        this.options.onState({ kind: 'closed', code: event.code, reason: event.reason || 'Refused.' });
        return;
      }
      const retryInMs = this.delay;
      this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
      this.options.onState({ kind: 'retrying', code: event.code, retryInMs });
      this.timer = setTimeout(() => this.connect(), retryInMs);
    });
    // A failed connection also fires `close` (code 1006): the retry is handled there.
  }

  /** The socket is gone: what it was still answering will not come. */
  private dropped(): void {
    if (!this.ready) return;
    this.ready = false;
    this.options.onDropped();
  }
}
