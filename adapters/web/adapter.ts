import type { WebSocket } from 'ws';
import type {
  AdapterHost,
  AdapterState,
  OutgoingReply,
  PlatformAdapter,
  ReplyDetails,
  ReplyStream,
} from '../../src/core/adapter.js';
import type { ChatEvent } from '../../src/core/chat-event.js';
import type { PlatformPorts, PlatformSocketContext } from '../../src/core/platform.js';
import type { WebConfig } from './config.js';
import { socketOfEvent } from './normalize.js';
import { ChatSession, CLOSE } from './session.js';
import { WebReplyStream } from './stream.js';

/**
 * The web chat: each signed-in WebSocket (`GET /api/v1/ws/chat`) is a `ChatSession`; its messages
 * go through the router as `web` events, and their replies come back to the socket that sent them
 * (found by the socket id inside the event id), streamed (`streamsEveryReply`) as `delta` frames
 * and ended with `done`, or with an `error` frame when no reply comes (`unanswered`). A reply for a
 * socket that closed is dropped. Online from start to stop: there is nothing to connect to.
 */
export class WebAdapter implements PlatformAdapter {
  readonly platform = 'web' as const;
  readonly streamsEveryReply = true;
  private host: AdapterHost | undefined;
  private lastEventAt: number | undefined;
  /** Signed-in sockets by socket id. */
  private readonly sessions = new Map<string, ChatSession>();
  /** Every open socket, signed in or not (closed at stop). */
  private readonly sockets = new Set<ChatSession>();

  constructor(
    private readonly config: WebConfig,
    private readonly ports: PlatformPorts,
  ) {}

  /** Largest frame a client may send, bytes (config `maxFrameBytes`). */
  get maxFrameBytes(): number {
    return this.config.maxFrameBytes;
  }

  state(): AdapterState {
    return {
      platform: 'web',
      status: this.host ? 'online' : 'offline',
      ...(this.lastEventAt !== undefined && { lastEventAt: this.lastEventAt }),
    };
  }

  async start(host: AdapterHost): Promise<void> {
    this.host = host;
  }

  /** Takes a new socket of `GET /api/v1/ws/chat` (see `ChatSession`). */
  connect(socket: WebSocket, context: PlatformSocketContext): void {
    const session: ChatSession = new ChatSession(socket, context, {
      config: this.config,
      personalities: this.ports.personalities ?? [],
      logger: this.ports.logger,
      ingest: (event, options) => {
        if (!this.host) return undefined;
        this.lastEventAt = Date.now();
        return this.host.ingest(event, options);
      },
      opened: (opened) => this.sessions.set(opened.socketId, opened),
      closed: (closed) => this.sessions.delete(closed.socketId),
    });
    this.sockets.add(session);
    socket.on('close', () => this.sockets.delete(session));
  }

  async send(reply: OutgoingReply): Promise<void> {
    this.sessionOf(reply.event)?.done(reply.event.id, reply.text, reply.details);
  }

  openStream(event: ChatEvent): ReplyStream {
    return new WebReplyStream(event.id, () => this.sessionOf(event));
  }

  unanswered(event: ChatEvent, reason: string, details?: ReplyDetails): void {
    const session = this.sessionOf(event);
    if (details) session?.done(event.id, '', details);
    else session?.unanswered(event.id, reason);
  }

  async stop(): Promise<void> {
    this.host = undefined;
    for (const session of this.sockets) session.close(CLOSE.goingAway, 'chatgate is shutting down');
    this.sockets.clear();
    this.sessions.clear();
  }

  private sessionOf(event: ChatEvent): ChatSession | undefined {
    const socketId = socketOfEvent(event);
    return socketId === undefined ? undefined : this.sessions.get(socketId);
  }
}
