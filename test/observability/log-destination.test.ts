import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batchedDestination } from '../../src/observability/log-destination.js';
import { createLogger } from '../../src/observability/logger.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** A destination stream that keeps each piece it is handed. */
function target() {
  const writes: string[] = [];
  return { writes, write: (text: string) => void writes.push(text) };
}

describe('batchedDestination', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands the lines of a batch on in one write, maxDelayMs after the first', () => {
    const sink = target();
    const logger = pino({ base: null, timestamp: false }, batchedDestination(sink, { maxDelayMs: 100 }));
    logger.info('one');
    logger.info('two');
    vi.advanceTimersByTime(99);
    expect(sink.writes).toEqual([]);
    logger.info('three');
    vi.advanceTimersByTime(1);
    expect(sink.writes).toHaveLength(1);
    expect(
      sink.writes[0]
        ?.trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).msg),
    ).toEqual(['one', 'two', 'three']);
    // The next batch waits its own delay, from its own first line.
    logger.info('four');
    vi.advanceTimersByTime(99);
    expect(sink.writes).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sink.writes).toHaveLength(2);
  });

  it('hands a batch on at once when it reaches maxChars', () => {
    const sink = target();
    const destination = batchedDestination(sink, { maxChars: 30, maxDelayMs: 60_000 });
    destination.write('0123456789\n');
    destination.write('0123456789\n');
    expect(sink.writes).toEqual([]);
    destination.write('0123456789\n');
    expect(sink.writes).toEqual(['0123456789\n0123456789\n0123456789\n']);
  });

  it('hands the held lines on when flushed (logger.flush)', () => {
    const sink = target();
    const logger = pino({ base: null, timestamp: false }, batchedDestination(sink, { maxDelayMs: 60_000 }));
    logger.info('held');
    const done = vi.fn();
    logger.flush(done);
    expect(sink.writes).toHaveLength(1);
    expect(JSON.parse(sink.writes[0] ?? '').msg).toBe('held');
    expect(done).toHaveBeenCalled();
  });
});

describe('batchedDestination on a file', () => {
  it('writes the batches to the file, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatgate-log-'));
    try {
      const file = join(dir, 'log.jsonl');
      const logger = createLogger('info', batchedDestination(file, { maxDelayMs: 10 }));
      for (let i = 0; i < 200; i++) logger.info({ i }, 'line');
      const lines = await waitFor(() => {
        const text = readFileSync(file, 'utf8').trimEnd().split('\n');
        return text.length === 200 && text;
      });
      expect(lines.map((line) => JSON.parse(line).i)).toEqual([...Array(200).keys()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('batchedDestination at exit on a non-blocking pipe', () => {
  it('writes every held line, though the pipe takes a part at a time', () => {
    // `process.stdout` touched (as `npm start` or any console.log does to a shared pipe) makes fd 1
    // non-blocking: one write takes what fits in the pipe (64 KB) and returns; ~600 KB are held.
    const script = [
      "import { batchedDestination } from './src/observability/log-destination.js';",
      'process.stdout;',
      'const destination = batchedDestination(1, { maxChars: 10_000_000, maxDelayMs: 60_000 });',
      "for (let i = 0; i < 5000; i++) destination.write(JSON.stringify({ i, pad: 'x'.repeat(100) }) + '\\n');",
      'process.exit(0);',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      maxBuffer: 10_000_000,
    });
    expect(child.status).toBe(0);
    const lines = child.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5000);
    expect(lines.map((line) => JSON.parse(line).i)).toEqual([...Array(5000).keys()]);
  });
});

describe('the process logger on stdout', () => {
  it('writes the lines it still holds when the process exits at once (a fatal line, then exit)', () => {
    const script = [
      "import { createLogger } from './src/observability/logger.js';",
      'const logger = createLogger("info");',
      'logger.info({ step: 1 }, "started");',
      'logger.fatal({ step: 2 }, "cannot start");',
      'process.exit(69);',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.status).toBe(69);
    const lines = child.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.step, line.msg])).toEqual([
      [1, 'started'],
      [2, 'cannot start'],
    ]);
  });
});
