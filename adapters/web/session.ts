import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AdapterIngestOptions, IngestAck, ReplyDetails } from '../../src/core/adapter.js';
import type { ChatEvent } from '../../src/core/chat-event.js';
import type { PlatformSocketContext } from '../../src/core/platform.js';
import type { WebConfig } from './config.js';
import { type HelloFrame, isFault, type MessageFrame, readFrame, type ServerFrame } from './frames.js';
import { type WebSessionRef, webEvent } from './normalize.js';

/** Close codes of the web chat (4xxx: the application's range of RFC 6455, section 7.4.2). */
export const CLOSE = {
  /** The key was missing, unknown or expired, or the first frame was not a `hello`. */
  unauthorized: 4401,
  /** The key may not use that community, or claim roles. */
  forbidden: 4403,
  /** No `hello` in time, or no frame either way for `idleTimeoutMs`. */
  idle: 4408,
  /** chatgate is shutting down (RFC 6455's "going away"). */
  goingAway: 1001,
} as const;

/** What a session needs from its adapter. */
export interface SessionDeps {
  config: WebConfig;
  /** The configured personality names (`random` is allowed too). */
  personalities: readonly string[];
  logger: Logger;
  /** Routes one event; undefined when the adapter is not started. */
  ingest(event: ChatEvent, options: AdapterIngestOptions): Promise<IngestAck> | undefined;
  /** The session signed in (its replies may now find it) or ended. */
  opened(session: ChatSession): void;
  closed(session: ChatSession): void;
}

/** One message of the session waiting for its end: frames made before its ack wait for it. */
interface Pending {
  interactionId?: string;
  clientMessageId?: string;
  /** Frames made before the ack was sent, built once the interaction id is known. */
  early: ((interactionId: string) => ServerFrame)[];
  /** The text the client has seen so far (the deltas joined). */
  shown: string;
  /** Whether its ack said `queued` (it counts toward `maxInFlight` until it ends). */
  queued: boolean;
  /** Its interaction ended (`done` or `error` made). */
  ended: boolean;
}

/** How many ended-or-ignored messages a session remembers for a late notice. */
const REMEMBERED = 32;

/**
 * One web chat socket: `hello` (the key, the community, optionally a session id, a personality
 * and, for admin and API keys, roles) → `ready`; then each `message` → `ack`, and for a queued one
 * `delta` frames as the reply is written and `done` (or `error`). Frames of an interaction never
 * come before its `ack`. A bad frame gets an `error` frame naming the field; the socket stays open
 * unless the key is refused (4401), the community or roles are not the key's to use (4403), or
 * nothing happens for a while (4408).
 */
export class ChatSession {
  /** This socket's id (random), inside its events' ids. */
  readonly socketId = randomUUID();
  private ref: WebSessionRef | undefined;
  private personality: string | undefined;
  /** The frames being handled, in order (see the constructor). */
  private handling: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly socket: WebSocket,
    private readonly context: PlatformSocketContext,
    private readonly deps: SessionDeps,
  ) {
    this.arm(deps.config.helloTimeoutMs, 'no hello in time');
    socket.on('message', (data, isBinary) => {
      // One frame at a time, in order: a message sent right after its hello waits for the sign-in,
      // and acks come in the order of the messages.
      this.handling = this.handling
        .then(() => this.receive(data, isBinary))
        .catch((error: unknown) => {
          deps.logger.error(
            { err: error, action: 'web_chat', request: context.requestId },
            'web chat frame failed',
          );
          this.send({ type: 'error', code: 'internal_error', detail: 'the frame could not be handled' });
        });
    });
    socket.on('close', () => {
      clearTimeout(this.timer);
      if (this.ref) deps.closed(this);
    });
    socket.on('error', (error) =>
      deps.logger.debug({ err: error, action: 'web_chat' }, 'web chat socket error'),
    );
  }

  /** A new visible text of the event's streamed reply (the whole text so far). */
  delta(eventId: string, textSoFar: string): void {
    const pending = this.pending.get(eventId);
    if (!pending) return;
    const grows = textSoFar.startsWith(pending.shown);
    const text = grows ? textSoFar.slice(pending.shown.length) : textSoFar;
    pending.shown = textSoFar;
    if (text === '' && grows) return;
    this.emit(eventId, (id) =>
      grows
        ? { type: 'delta', interaction_id: id, text }
        : { type: 'delta', interaction_id: id, text, replace: true },
    );
  }

  /** The event's reply, whole: ends it. */
  done(eventId: string, text: string, details?: ReplyDetails): void {
    this.emit(eventId, (id) => ({
      type: 'done',
      interaction_id: id,
      text,
      ...(details && {
        provider: details.provider,
        model: details.model,
        mode: details.mode,
        ...(details.fallbackReason !== undefined && { fallback_reason: details.fallbackReason }),
        ...(details.blocked !== undefined && { blocked: details.blocked }),
      }),
    }));
    this.end(eventId);
  }

  /** The event ended without a reply (`reason`: the failure, `stale`, `moderated` …). */
  unanswered(eventId: string, reason: string): void {
    this.emit(eventId, (id) => ({
      type: 'error',
      code: 'not_answered',
      reason,
      interaction_id: id,
      detail: `no reply: ${reason}`,
    }));
    this.end(eventId);
  }

  /** Closes the socket (shutdown). */
  close(code: number, reason: string): void {
    clearTimeout(this.timer);
    this.socket.close(code, reason);
  }

  private async receive(data: unknown, isBinary: boolean): Promise<void> {
    // Before the sign-in the hello deadline holds, whatever else the client sends.
    if (this.ref) this.arm(this.deps.config.idleTimeoutMs, 'idle');
    if (isBinary) {
      this.send({ type: 'error', code: 'bad_frame', field: 'frame', detail: 'frames must be JSON text' });
      return;
    }
    const read = readFrame(String(data), this.deps.config.maxTextChars);
    if (isFault(read)) {
      this.send({
        type: 'error',
        code: 'bad_frame',
        field: read.field,
        detail: `${read.field}: ${read.detail}`,
      });
      return;
    }
    if (read.type === 'ping') {
      this.send({ type: 'pong' });
      return;
    }
    if (read.type === 'hello') return this.hello(read);
    if (!this.ref) {
      this.send({
        type: 'error',
        code: 'unauthorized',
        field: 'type',
        detail: 'type: the first frame must be hello',
      });
      this.close(CLOSE.unauthorized, 'hello first');
      return;
    }
    await this.message(this.ref, read);
  }

  private async hello(frame: HelloFrame): Promise<void> {
    if (this.ref) {
      this.send({
        type: 'error',
        code: 'bad_frame',
        field: 'type',
        detail: 'type: this socket is signed in already',
      });
      return;
    }
    const { personalities } = this.deps;
    if (frame.personality && frame.personality !== 'random' && !personalities.includes(frame.personality)) {
      const detail = `personality: must be one of ${[...personalities, 'random'].join('|')}`;
      this.send({ type: 'error', code: 'bad_frame', field: 'personality', detail });
      return;
    }
    const caller = await this.context.authenticate(frame.key);
    if ('refused' in caller) {
      this.send({ type: 'error', code: 'unauthorized', field: 'key', detail: `key: ${caller.refused}` });
      this.close(CLOSE.unauthorized, 'unauthorized');
      return;
    }
    if (caller.scope === 'client' && frame.community_id !== caller.communityId) {
      const detail = `community_id: a client key may use only its own community (${caller.communityId})`;
      this.send({ type: 'error', code: 'forbidden', field: 'community_id', detail });
      this.close(CLOSE.forbidden, 'forbidden');
      return;
    }
    if (caller.scope === 'client' && frame.roles && frame.roles.length > 0) {
      this.send({
        type: 'error',
        code: 'forbidden',
        field: 'roles',
        detail: 'roles: a client key may claim no roles',
      });
      this.close(CLOSE.forbidden, 'forbidden');
      return;
    }
    const sessionId = frame.session_id ?? randomUUID();
    this.ref = {
      socketId: this.socketId,
      sessionId,
      communityId: frame.community_id,
      caller,
      roles: [...new Set(frame.roles ?? [])],
    };
    this.personality = frame.personality;
    this.deps.opened(this);
    this.arm(this.deps.config.idleTimeoutMs, 'idle');
    this.send({
      type: 'ready',
      session_id: sessionId,
      community_id: frame.community_id,
      user_id: caller.userId,
      ...(frame.personality !== undefined && { personality: frame.personality }),
      personalities: [...personalities, 'random'],
    });
  }

  private async message(ref: WebSessionRef, frame: MessageFrame): Promise<void> {
    const clientMessageId = frame.client_message_id;
    const inFlight = [...this.pending.values()].filter((pending) => pending.queued).length;
    if (inFlight >= this.deps.config.maxInFlight) {
      this.send({
        type: 'error',
        code: 'busy',
        detail: `at most ${this.deps.config.maxInFlight} messages may wait for their answer at once`,
        ...(clientMessageId !== undefined && { client_message_id: clientMessageId }),
      });
      return;
    }
    const over = await ref.caller.admit?.();
    if (over) {
      this.send({
        type: 'error',
        code: 'rate_limit_exceeded',
        detail: over.refused,
        retry_after: over.retryAfterSeconds,
        ...(clientMessageId !== undefined && { client_message_id: clientMessageId }),
      });
      return;
    }
    const event = webEvent(ref, frame.text);
    const pending: Pending = { clientMessageId, early: [], shown: '', queued: true, ended: false };
    this.pending.set(event.id, pending);
    const options: AdapterIngestOptions = {
      // The playground's chat: every message is answered (no trigger, probability or cooldown);
      // permissions, pause, blocked terms, budgets and moderation hold as for any platform message.
      triggersOff: true,
      ...(ref.caller.keyId !== undefined && { keyId: ref.caller.keyId }),
      ...(this.personality !== undefined && { personality: this.personality }),
    };
    const acked = this.deps.ingest(event, options);
    if (!acked) {
      this.pending.delete(event.id);
      this.send({ type: 'error', code: 'unavailable', detail: 'the web chat is not running' });
      return;
    }
    let ack: IngestAck;
    try {
      ack = await acked;
    } catch (error: unknown) {
      // Not counted toward `maxInFlight` for ever: the frame's `internal_error` ends it.
      this.pending.delete(event.id);
      throw error;
    }
    pending.interactionId = ack.interactionId;
    if (ack.status !== 'queued') pending.queued = false;
    this.send({
      type: 'ack',
      interaction_id: ack.interactionId,
      status: ack.status,
      ...(ack.reason !== undefined && { reason: ack.reason }),
      ...(ack.retryAfterSeconds !== undefined && { retry_after: ack.retryAfterSeconds }),
      ...(clientMessageId !== undefined && { client_message_id: clientMessageId }),
    });
    for (const frame of pending.early) this.send(frame(ack.interactionId));
    pending.early = [];
    if (pending.ended) this.pending.delete(event.id);
    // An ignored message may still get chatgate's notice ("today's AI budget …") as a `done`.
    else if (!pending.queued) this.forgetOldest();
  }

  /** Sends a frame of the event's interaction, or keeps it until the ack has gone out. */
  private emit(eventId: string, frame: (interactionId: string) => ServerFrame): void {
    const pending = this.pending.get(eventId);
    if (!pending) return;
    if (pending.interactionId === undefined) pending.early.push(frame);
    else this.send(frame(pending.interactionId));
  }

  /** The event's interaction ended: forgotten once its frames went out. */
  private end(eventId: string): void {
    const pending = this.pending.get(eventId);
    if (!pending) return;
    pending.queued = false;
    pending.ended = true;
    // Before its ack, it is forgotten once the ack and its frames went out (see `message`).
    if (pending.interactionId !== undefined) this.pending.delete(eventId);
  }

  /** Keeps at most REMEMBERED messages that are not waiting for an answer. */
  private forgetOldest(): void {
    const idle = [...this.pending].filter(
      ([, pending]) => !pending.queued && pending.interactionId !== undefined,
    );
    for (const [eventId] of idle.slice(0, Math.max(0, idle.length - REMEMBERED)))
      this.pending.delete(eventId);
  }

  private send(frame: ServerFrame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.ref) this.arm(this.deps.config.idleTimeoutMs, 'idle');
    this.socket.send(JSON.stringify(frame));
  }

  /** (Re)starts the timer that closes a quiet socket. */
  private arm(ms: number, reason: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.close(CLOSE.idle, reason), ms);
    this.timer.unref();
  }
}
