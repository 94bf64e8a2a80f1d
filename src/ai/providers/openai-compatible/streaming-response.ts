import type { IncomingHttpHeaders } from 'node:http';
import { type Dispatcher, errors } from 'undici';
import { AbortableHandler } from './abortable-handler.js';

/** An HTTP answer whose body is read as it arrives. */
export interface StreamingResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /**
   * The body's chunks, in order. Leaving a `for await` early (or `return()`), or `destroy()`,
   * aborts the exchange and closes its connection; a failure of the connection rejects `next()`.
   */
  body: StreamingBody;
}

/**
 * While this many bytes wait unread, undici stops reading the socket (the upstream then slows
 * down to the reader's pace, as with a stream's high-water mark).
 */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * One HTTP exchange through undici's `dispatch()` whose body is read as it arrives: for a streamed
 * completion. Resolves when the answer's status and headers are in. Like `requestWhole`, and for
 * the same reason, it does not go through `Dispatcher.request()`, whose handler stores a function
 * literal on itself, which V8 allocates in the old generation, so that each request's objects
 * outlive young-generation collections (see whole-response.ts).
 *
 * @param options undici's dispatch options (origin, path, method, headers, body).
 * @param signal aborts the exchange, before or after the headers (the pending or next `next()`
 *   rejects with undici's error for it, the signal's reason).
 * @throws undici's errors (connection, socket, abort) until the headers are in.
 */
export function requestStreaming(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal | undefined,
): Promise<StreamingResponse> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, new StreamingHandler(resolve, reject, signal));
  });
}

/** A pending `next()` of the body. */
interface Waiter {
  resolve: (result: IteratorResult<Buffer>) => void;
  reject: (error: Error) => void;
}

/** The body of a `requestStreaming` answer: chunks queue here until read. */
export class StreamingBody implements AsyncIterableIterator<Buffer> {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: Error | undefined;
  private waiter: Waiter | undefined;
  private paused = false;

  constructor(private readonly controller: Dispatcher.DispatchController) {}

  [Symbol.asyncIterator](): StreamingBody {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk) {
      this.queued -= chunk.byteLength;
      if (this.paused && this.queued < HIGH_WATER_BYTES) {
        this.paused = false;
        this.controller.resume();
      }
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Stops reading: aborts the exchange unless it has ended. */
  return(): Promise<IteratorResult<Buffer>> {
    this.destroy();
    return Promise.resolve({ done: true, value: undefined });
  }

  /** Aborts the exchange (its connection is closed) unless the body has ended or failed already. */
  destroy(): void {
    if (this.ended || this.failure) return;
    const aborted = new errors.RequestAbortedError();
    this.fail(aborted);
    this.controller.abort(aborted);
  }

  /** A chunk from the socket. */
  push(chunk: Buffer): void {
    if (this.ended || this.failure) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ done: false, value: chunk });
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.byteLength;
    if (!this.paused && this.queued >= HIGH_WATER_BYTES) {
      this.paused = true;
      this.controller.pause();
    }
  }

  /** The body is complete. */
  end(): void {
    if (this.failure) return;
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ done: true, value: undefined });
  }

  /** The exchange failed after its headers: the next (or pending) read rejects with `error`. */
  fail(error: Error): void {
    if (this.ended || this.failure) return;
    this.failure = error;
    this.queue.length = 0;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }
}

/** Feeds one answer to its StreamingBody for `requestStreaming`. */
class StreamingHandler extends AbortableHandler implements Dispatcher.DispatchHandler {
  private body: StreamingBody | undefined;

  constructor(
    private readonly resolve: (response: StreamingResponse) => void,
    private readonly reject: (error: Error) => void,
    signal: AbortSignal | undefined,
  ) {
    super(signal);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.body = new StreamingBody(controller);
    this.resolve({ statusCode, headers, body: this.body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body?.push(chunk);
  }

  onResponseEnd(): void {
    this.detach();
    this.body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.detach();
    if (this.body) this.body.fail(error);
    else this.reject(error);
  }
}
