import { openSync, writeSync } from 'node:fs';
import pino from 'pino';

/** Options of `batchedDestination`. */
export interface BatchedDestinationOptions {
  /** Lines are handed on once this many chars are held (default 4096). */
  maxChars?: number;
  /** …or this long after the first line of a batch, ms (default 100). */
  maxDelayMs?: number;
}

/** What pino calls of a destination: `write` per line, and `flush` from `logger.flush()`. */
export interface BatchedDestination extends pino.DestinationStream {
  /** Hands the held lines on now, then calls `done` (through the target's own flush, if it has one). */
  flush(done?: (error?: Error) => void): void;
}

/**
 * A pino destination that writes log lines in batches: they are held until `maxChars` of them or
 * `maxDelayMs` after the first, then handed on in one piece. `target` is a file descriptor (1 for
 * stdout) or a path (opened for appending at once; throws as `openSync` does), written through
 * sonic-boom, asynchronously, as pino's own default destination; or any destination stream.
 *
 * Why: the gateway logs one line per request, and on the 2-core VM that line's write was ~8% of
 * chatgate's CPU per proxied request (a profile of `bench:gateway`); a batch of ~15 lines costs one
 * write. The price: a line may reach the log up to `maxDelayMs` late. Nothing is lost on a normal
 * exit (`process.exit` included, e.g. just after a fatal line): held lines are written
 * synchronously on `exit`. A SIGKILL loses at most one batch.
 *
 * @example
 * const logger = pino({ level: 'info' }, batchedDestination(1));
 */
export function batchedDestination(
  target: number | string | pino.DestinationStream,
  { maxChars = 4096, maxDelayMs = 100 }: BatchedDestinationOptions = {},
): BatchedDestination {
  const { sink, writeNow } = sinkOf(target);
  let held = '';
  let timer: NodeJS.Timeout | undefined;
  // Registered after pino's own exit flush of a sonic-boom sink (made just above), so the held
  // lines, the newest, come after what it still had. No async write runs any more at exit.
  process.once('exit', () => {
    if (held.length === 0) return;
    try {
      writeNow(held);
    } catch {
      // A pipe whose reader made no room in time, or a closed descriptor: nothing more can be written.
    }
    held = '';
  });

  const handOn = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (held.length === 0) return;
    const batch = held;
    held = '';
    sink.write(batch);
  };
  return {
    write(line: string) {
      held += line;
      if (held.length >= maxChars) handOn();
      else if (timer === undefined) timer = setTimeout(handOn, maxDelayMs).unref();
    },
    flush(done) {
      handOn();
      if (sink.flush) sink.flush(done);
      else done?.();
    },
  };
}

/** Where batches go, and how to write one synchronously at exit. */
function sinkOf(target: number | string | pino.DestinationStream): {
  sink: pino.DestinationStream & { flush?: (done?: (error?: Error) => void) => void };
  writeNow: (text: string) => void;
} {
  if (typeof target !== 'number' && typeof target !== 'string') {
    return { sink: target, writeNow: (text) => target.write(text) };
  }
  // The descriptor is ours to know (a path is opened here), for the synchronous write at exit.
  const fd = typeof target === 'number' ? target : openSync(target, 'a');
  // minLength 0: sonic-boom writes whatever it holds as soon as no write is in flight, so a batch
  // handed on is never left behind in its buffer.
  const sink = pino.destination({ dest: fd, sync: false, minLength: 0 });
  return { sink, writeNow: (text) => writeAllSync(fd, text) };
}

/** How long the exit write waits for a full pipe's reader, ms, before it gives the lines up. */
const EXIT_WRITE_PATIENCE_MS = 2_000;

/**
 * Writes all of `text` to `fd` before returning. On a non-blocking pipe (stdout is one once
 * `process.stdout` was touched, by this process or by a parent sharing it, as `npm start` does) a
 * write takes only what fits and a full pipe answers EAGAIN: the rest is written as its reader
 * makes room, for up to EXIT_WRITE_PATIENCE_MS. Throws what `writeSync` throws otherwise.
 */
function writeAllSync(fd: number, text: string): void {
  let rest = Buffer.from(text);
  const deadline = Date.now() + EXIT_WRITE_PATIENCE_MS;
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) throw error;
      // At exit nothing else can run: block 1 ms for the reader, as sonic-boom's flushSync does.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
