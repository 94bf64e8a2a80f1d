/**
 * EventStream on a real socket: a caller that leaves while the route is still building its first
 * event (the console's snapshot) must not leave the stream, and its timers, waiting forever.
 */
import { request } from 'node:http';
import Fastify from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { EventStream } from '../../../src/http/console/event-stream.js';

const app = Fastify();
afterEach(() => app.close());

it('resolves closed at once when the caller left before the stream opened', async () => {
  let opened: EventStream | undefined;
  const done = new Promise<void>((resolve) => {
    app.get('/events', (_request, reply) => {
      // The route's slow part ends only after the caller is gone.
      reply.raw.once('close', () => {
        opened = new EventStream(reply);
        opened.send('snapshot', {});
        void opened.closed.then(resolve);
      });
      return new Promise(() => undefined);
    });
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const caller = request(`${base}/events`);
  caller.on('error', () => undefined);
  caller.end();
  await new Promise<void>((resolve) => app.server.once('request', () => resolve()));
  caller.destroy();
  await done;
  expect(opened).toBeDefined();
});
