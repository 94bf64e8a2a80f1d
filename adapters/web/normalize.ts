import { randomUUID } from 'node:crypto';
import type { ChatEvent, UserRole } from '../../src/core/chat-event.js';
import type { SocketCaller } from '../../src/core/platform.js';

/** One signed-in web chat socket, as its events name it. */
export interface WebSessionRef {
  /** This socket's own id (random): replies find their socket by it (see `socketOfEvent`). */
  socketId: string;
  /** The conversation (`channelId`): the client's `session_id`, or a random one. */
  sessionId: string;
  communityId: string;
  caller: SocketCaller;
  roles: UserRole[];
}

/**
 * A `message` frame as a ChatEvent: `platform: 'web'`, the chosen community, the session as the
 * channel, the signed-in caller as the user (their key's `userId`, never a name they typed),
 * `isDirect` and `mentionsBot` true so that every message is addressed to the bot (the session
 * ingests it with triggers off: no probability or cooldown; permissions, budgets and moderation apply as to any
 * platform message). Id: `web:<socket id>:<uuid>`.
 */
export function webEvent(session: WebSessionRef, text: string, now = Date.now()): ChatEvent {
  const messageId = randomUUID();
  const { caller } = session;
  return {
    id: `web:${session.socketId}:${messageId}`,
    platform: 'web',
    type: 'message',
    communityId: session.communityId,
    channelId: session.sessionId,
    messageId,
    text,
    user: {
      id: caller.userId,
      login: caller.userId,
      displayName: caller.userId,
      isBot: false,
      roles: session.roles,
    },
    isDirect: true,
    mentionsBot: true,
    meta: {},
    receivedAt: now,
  };
}

/** The socket id inside a web event's id (`web:<socket id>:<uuid>`), or undefined for another shape. */
export function socketOfEvent(event: Pick<ChatEvent, 'id'>): string | undefined {
  const [platform, socketId, rest] = event.id.split(':');
  return platform === 'web' && socketId && rest ? socketId : undefined;
}
