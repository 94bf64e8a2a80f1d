import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { StreamingBody } from '../../../src/ai/providers/openai-compatible/streaming-response.js';

/** undici's dispatch controller as StreamingBody uses it, recording what it was told. */
function fakeController() {
  const calls: string[] = [];
  let reason: unknown;
  return {
    calls,
    reason: () => reason,
    controller: {
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
      abort: (why: Error) => {
        calls.push('abort');
        reason = why;
      },
      paused: false,
      aborted: false,
      reason: null,
      rawHeaders: null,
      rawTrailers: null,
    } as never,
  };
}

const kib = (n: number) => Buffer.alloc(n * 1024, 'x');

describe('StreamingBody (the body of a streamed upstream answer)', () => {
  it('hands chunks over in order, to a read that waits and to reads after, then ends', async () => {
    const { controller } = fakeController();
    const body = new StreamingBody(controller);
    const waiting = body.next();
    body.push(Buffer.from('a'));
    body.push(Buffer.from('b'));
    body.end();
    expect(await waiting).toEqual({ done: false, value: Buffer.from('a') });
    const rest: string[] = [];
    for await (const chunk of body) rest.push(chunk.toString());
    expect(rest).toEqual(['b']);
  });

  it('pauses the socket once 64 KiB wait unread, and resumes it when the reader has caught up', async () => {
    const { controller, calls } = fakeController();
    const body = new StreamingBody(controller);
    for (let i = 0; i < 5; i++) body.push(kib(16));
    expect(calls).toEqual(['pause']);
    await body.next(); // 64 KiB left: still above the mark
    expect(calls).toEqual(['pause']);
    await body.next(); // 48 KiB left
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('aborts the exchange when the reader leaves early, and reads nothing after', async () => {
    const { controller, calls, reason } = fakeController();
    const body = new StreamingBody(controller);
    body.push(Buffer.from('a'));
    for await (const _chunk of body) break;
    expect(calls).toEqual(['abort']);
    expect(reason()).toBeInstanceOf(errors.RequestAbortedError);
    await expect(body.next()).rejects.toBeInstanceOf(errors.RequestAbortedError);
  });

  it('does not abort a body that has ended', async () => {
    const { controller, calls } = fakeController();
    const body = new StreamingBody(controller);
    body.end();
    await body.return();
    body.destroy();
    expect(calls).toEqual([]);
  });

  it('rejects the waiting read, and every read after, with the failure of the connection', async () => {
    const { controller } = fakeController();
    const body = new StreamingBody(controller);
    const waiting = body.next();
    const cut = new errors.SocketError('other side closed');
    body.fail(cut);
    await expect(waiting).rejects.toBe(cut);
    await expect(body.next()).rejects.toBe(cut);
  });
});
