/**
 * ChatSession over a stand-in socket: a message whose ingest rejects gets an `internal_error`
 * frame and no longer counts toward `maxInFlight`.
 */
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ChatSession } from '../../../adapters/web/session.js';
import type { IngestAck } from '../../../src/core/adapter.js';
import { waitFor } from '../../support/wait-for.js';

class StandInSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly sent: Record<string, unknown>[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  receive(frame: Record<string, unknown>): void {
    this.emit('message', Buffer.from(JSON.stringify(frame)), false);
  }
}

describe('ChatSession', () => {
  it('forgets a message whose ingest rejected: the next one is taken, not refused as busy', async () => {
    const socket = new StandInSocket();
    const answers: Array<() => Promise<IngestAck>> = [
      () => Promise.reject(new Error('the router is down')),
      () => Promise.resolve({ interactionId: 'i-2', status: 'ignored', reason: 'no_trigger' }),
    ];
    const session = new ChatSession(
      socket as unknown as WebSocket,
      { authenticate: async () => ({ scope: 'admin', userId: 'admin' }), requestId: 'r-1' },
      {
        config: {
          idleTimeoutMs: 60_000,
          helloTimeoutMs: 60_000,
          maxFrameBytes: 16_384,
          maxTextChars: 4000,
          maxInFlight: 1,
        },
        personalities: [],
        logger: pino({ level: 'silent' }),
        ingest: () => answers.shift()?.(),
        opened: () => {},
        closed: () => {},
      },
    );
    socket.receive({ type: 'hello', key: 'k', community_id: 'web:playground' });
    socket.receive({ type: 'message', text: 'first' });
    socket.receive({ type: 'message', text: 'second' });
    // The third frame answers the second message: its ack, or `busy` while the first still counts.
    await waitFor(() => socket.sent.length >= 3);
    expect(socket.sent.map((frame) => frame.code ?? frame.type)).toEqual(['ready', 'internal_error', 'ack']);
    session.close(1000, 'done');
  });
});
