import { createServer, type Server } from 'node:http';
import type { CallbackBody } from '../../src/worker/callback.js';

/** One callback as it arrived. */
export interface ReceivedCallback {
  body: CallbackBody;
  idempotencyKey: string | undefined;
  at: number;
}

/** An HTTP server on 127.0.0.1 that records chatgate's reply callbacks, as a caller's would. */
export interface CallbackReceiver {
  /** The URL to give as `callback_url`. */
  url: string;
  /** Every POST received, duplicates included, oldest first. */
  received: ReceivedCallback[];
  /** Callbacks by `Idempotency-Key`, the first of each: what a receiver that drops repeats keeps. */
  distinct(): Map<string, ReceivedCallback>;
  close(): Promise<void>;
}

/** Starts the receiver; it answers 204 to every POST. */
export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
    });
    request.on('end', () => {
      const key = request.headers['idempotency-key'];
      received.push({
        body: JSON.parse(raw) as CallbackBody,
        idempotencyKey: typeof key === 'string' ? key : undefined,
        at: Date.now(),
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/callback`,
    received,
    distinct() {
      const first = new Map<string, ReceivedCallback>();
      for (const callback of received) {
        const key = callback.idempotencyKey ?? callback.body.interaction_id;
        if (!first.has(key)) first.set(key, callback);
      }
      return first;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
