/**
 * The fake Twitch's EventSub WebSocket side (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/,
 * https://dev.twitch.tv/docs/eventsub/websocket-reference/), on the fake's HTTP server at `/ws`:
 * `session_welcome` first (with `keepalive_timeout_seconds`), `session_keepalive` every half of it
 * unless silenced, messages pushed to a session, `session_reconnect` whose `reconnect_url`
 * (`/ws?reconnect=<session id>`) continues the same session on a new socket (the old one is closed
 * after the new welcome, as Twitch does), and closes with Twitch's 4000–4007 codes. A session whose
 * socket closes is over (its subscriptions end: `onSessionEnd`).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

interface Session {
  id: string;
  socket: WebSocket;
  keepalive: NodeJS.Timeout | undefined;
}

export interface FakeEventSubSocketsOptions {
  /** The server's `http://127.0.0.1:<port>`. */
  url: string;
  keepaliveSeconds: number;
  /** A session ended (its socket closed without a reconnect). */
  onSessionEnd(sessionId: string): void;
}

/** EventSub WebSocket sessions on a fake server; see the file comment. */
export class FakeEventSubSockets {
  readonly wsUrl: string;
  /** Session id → its live socket; a session survives a reconnect, on the new socket. */
  private readonly sessions = new Map<string, Session>();
  private readonly moved = new Map<string, () => void>();
  private readonly wss: WebSocketServer;
  private connections = 0;
  private silent = false;

  constructor(
    server: Server,
    private readonly options: FakeEventSubSocketsOptions,
  ) {
    this.wsUrl = `${options.url.replace(/^http/, 'ws')}/ws`;
    this.wss = new WebSocketServer({ server, path: '/ws' });
    this.wss.on('connection', (socket, req) => this.accept(socket, req.url ?? '/'));
  }

  connectionCount(): number {
    return this.connections;
  }

  openSessionCount(): number {
    return this.sessions.size;
  }

  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** Sends one message (`metadata` + `payload`) on the session's socket; false when it has none. */
  send(
    sessionId: string,
    type: string,
    payload: unknown,
    extra: Record<string, string> = {},
    id: string = randomUUID(),
  ): boolean {
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    this.write(session.socket, type, payload, extra, id);
    return true;
  }

  /** Sends `session_reconnect` on every session; resolves when each has moved to its new socket. */
  async reconnect(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const session of this.sessions.values()) {
      waits.push(new Promise<void>((resolve) => this.moved.set(session.id, resolve)));
      const reconnectUrl = `${this.wsUrl}?reconnect=${session.id}`;
      this.write(
        session.socket,
        'session_reconnect',
        this.sessionPayload(session.id, 'reconnecting', reconnectUrl),
      );
    }
    await Promise.all(waits);
  }

  /** Stops keepalives on every session, now and later. */
  silence(): void {
    this.silent = true;
  }

  /** Closes every session's socket with `code`. */
  closeSessions(code: number): void {
    for (const session of this.sessions.values()) session.socket.close(code);
  }

  async close(): Promise<void> {
    for (const session of this.sessions.values()) clearInterval(session.keepalive);
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket, path: string): void {
    this.connections += 1;
    const reconnectOf = new URL(path, this.options.url).searchParams.get('reconnect');
    const old = reconnectOf ? this.sessions.get(reconnectOf) : undefined;
    const session: Session = {
      id: old ? old.id : randomUUID().replace(/-/g, ''),
      socket,
      keepalive: undefined,
    };
    this.sessions.set(session.id, session);
    this.write(socket, 'session_welcome', this.sessionPayload(session.id, 'connected', null));
    session.keepalive = setInterval(
      () => {
        if (!this.silent && socket.readyState === socket.OPEN) this.write(socket, 'session_keepalive', {});
      },
      (this.options.keepaliveSeconds * 1000) / 2,
    );
    if (old) {
      // Twitch closes the old connection once the new one is welcomed.
      clearInterval(old.keepalive);
      old.socket.close(1000);
      this.moved.get(session.id)?.();
      this.moved.delete(session.id);
    }
    socket.on('close', () => {
      clearInterval(session.keepalive);
      if (this.sessions.get(session.id)?.socket !== socket) return;
      this.sessions.delete(session.id);
      this.options.onSessionEnd(session.id);
    });
  }

  private write(
    socket: WebSocket,
    type: string,
    payload: unknown,
    extra: Record<string, string> = {},
    id: string = randomUUID(),
  ): void {
    const metadata = {
      message_id: id,
      message_type: type,
      message_timestamp: new Date().toISOString(),
      ...extra,
    };
    socket.send(JSON.stringify({ metadata, payload }));
  }

  private sessionPayload(id: string, status: string, reconnectUrl: string | null): Record<string, unknown> {
    return {
      session: {
        id,
        status,
        connected_at: new Date().toISOString(),
        keepalive_timeout_seconds: status === 'reconnecting' ? null : this.options.keepaliveSeconds,
        reconnect_url: reconnectUrl,
      },
    };
  }
}
