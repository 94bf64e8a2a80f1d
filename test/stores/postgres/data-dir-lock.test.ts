import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../../src/stores/postgres/data-dir-lock.js';
import { openSqlClient } from '../../../src/stores/postgres/sql-client.js';
import { startChatgate } from '../../support/chatgate-process.js';

const ROOT = resolve(import.meta.dirname, '../../..');

/** The pid of a process that has exited: a lock left by a crash. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid as number;
}

describe('the PGlite data directory lock', { timeout: 60_000 }, () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatgate-lock-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a directory whose lock holds a live pid, naming the directory', async () => {
    const dataDir = tempDir();
    // A live process other than us: our parent (the test runner).
    writeFileSync(join(dataDir, 'pglite.lock'), `${process.ppid} ${hostname()}\n`);
    const error = await openSqlClient({ dataDir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as Error).message).toContain(join(dataDir, 'pglite'));
    expect((error as Error).message).not.toContain('\n');
    expect(readFileSync(join(dataDir, 'pglite.lock'), 'utf8')).toBe(`${process.ppid} ${hostname()}\n`);
  });

  it('takes over the stale lock of a dead pid, and removes its own on close', async () => {
    const dataDir = tempDir();
    const lockFile = join(dataDir, 'pglite.lock');
    writeFileSync(lockFile, `${deadPid()} ${hostname()}\n`);
    const client = await openSqlClient({ dataDir });
    expect(readFileSync(lockFile, 'utf8')).toBe(`${process.pid} ${hostname()}\n`);
    await expect(client.query('SELECT 1 AS one')).resolves.toEqual({ rows: [{ one: 1 }] });
    await client.close();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('refuses a fresh lock of another host (a container on a shared volume), takes over a stale one', () => {
    const dataDir = join(tempDir(), 'pglite');
    const lockFile = `${dataDir}.lock`;
    // Pid 1 of another container: its pid says nothing here, its heartbeat does.
    writeFileSync(lockFile, '1 other-container\n');
    expect(() => lockDataDir(dataDir, { staleAfterMs: 60_000 })).toThrow(
      `in use by another chatgate (pid 1 on host other-container, lock ${lockFile})`,
    );
    const longAgo = new Date(Date.now() - 120_000);
    utimesSync(lockFile, longAgo, longAgo);
    const lock = lockDataDir(dataDir, { staleAfterMs: 60_000 });
    expect(readFileSync(lockFile, 'utf8')).toBe(`${process.pid} ${hostname()}\n`);
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('keeps its lock fresh with a heartbeat while held', async () => {
    const dataDir = join(tempDir(), 'pglite');
    const lock = lockDataDir(dataDir, { heartbeatMs: 20 });
    try {
      const longAgo = new Date(Date.now() - 120_000);
      utimesSync(lock.lockFile, longAgo, longAgo);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(Date.now() - statSync(lock.lockFile).mtimeMs).toBeLessThan(1_000);
    } finally {
      lock.release();
    }
  });

  it('a second chatgate on the same data directory exits 69 with one line naming it', async () => {
    const dataDir = join(tempDir(), 'data');
    const first = await startChatgate({ CHATGATE_DATA_DIR: dataDir });
    try {
      const second = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: dataDir, PORT: '0', CHATGATE_DATA_DIR: dataDir },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      second.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const [code] = await once(second, 'exit');
      expect(code).toBe(69);
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`the data directory ${join(dataDir, 'pglite')} is in use`);
      await expect(fetch(`${first.url}/health`)).resolves.toHaveProperty('ok', true);
    } finally {
      await first.stop();
    }
  });
});
