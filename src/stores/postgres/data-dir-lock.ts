import { closeSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Another live process holds the data directory: two PGlite instances on one directory corrupt it
 * silently, so the second one refuses to start. The message is one line naming the directory.
 */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    /** The directory PGlite keeps its files in. */
    readonly dataDir: string,
    /** Who holds it: `pid 123`, or `pid 1 on host a1b2c3` for another host or container. */
    readonly owner: string,
    /** The lock file (`<dataDir>.lock`). */
    readonly lockFile: string,
  ) {
    super(
      `the data directory ${dataDir} is in use by another chatgate (${owner}, lock ${lockFile}); stop it, or set CHATGATE_DATA_DIR to another directory`,
    );
  }
}

/** A held lock; `release()` stops its heartbeat and removes the file if it is still ours (idempotent). */
export interface DataDirLock {
  readonly lockFile: string;
  release(): void;
}

/** Timing of the lock's heartbeat, ms (tests shorten it). */
export interface DataDirLockTiming {
  /** How often the holder touches the lock file; 10 s by default. */
  heartbeatMs?: number;
  /** A lock of another host not touched for this long is stale; 30 s by default. */
  staleAfterMs?: number;
}

interface Owner {
  pid: number;
  host: string;
}

/**
 * Takes the lock of `dataDir`: the file `<dataDir>.lock` (next to the directory, not inside it,
 * so PGlite's own files are left alone), created exclusively with this process's pid and host
 * name, and touched every `heartbeatMs` while held. A lock is stale, and taken over, when
 * - it was written on this host and its pid no longer runs (the owner crashed or was killed), or
 *   the pid is our own (left by an earlier run with the same pid: a restarted container's pid 1);
 * - it was written on another host (another container on a shared volume, whose pids we cannot
 *   see) and has not been touched for `staleAfterMs`.
 * @throws DataDirLockedError when a live process holds the lock.
 */
export function lockDataDir(dataDir: string, timing: DataDirLockTiming = {}): DataDirLock {
  const heartbeatMs = timing.heartbeatMs ?? 10_000;
  const staleAfterMs = timing.staleAfterMs ?? 3 * heartbeatMs;
  const lockFile = `${dataDir}.lock`;
  const me: Owner = { pid: process.pid, host: hostname() };
  // Two tries: the second after removing a stale lock. A rival that took it over in between wins.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createExclusive(lockFile, `${me.pid} ${me.host}\n`)) return held(lockFile, me, heartbeatMs);
    const owner = ownerOf(lockFile);
    if (owner && isLive(owner, me, lockFile, staleAfterMs)) {
      const who = owner.host === me.host ? `pid ${owner.pid}` : `pid ${owner.pid} on host ${owner.host}`;
      throw new DataDirLockedError(dataDir, who, lockFile);
    }
    rmSync(lockFile, { force: true });
  }
  throw new DataDirLockedError(dataDir, 'a process that took over the lock just now', lockFile);
}

/** True when the file was created by this call; false when it exists. */
function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function held(lockFile: string, me: Owner, heartbeatMs: number): DataDirLock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(lockFile, now, now);
    } catch {
      // Removed under us: the next start will find no lock, which is what the remover wanted.
    }
  }, heartbeatMs);
  heartbeat.unref();
  return {
    lockFile,
    release() {
      clearInterval(heartbeat);
      const owner = ownerOf(lockFile);
      if (owner?.pid === me.pid && owner.host === me.host) rmSync(lockFile, { force: true });
    },
  };
}

/** Who wrote the lock file; undefined when it is gone or unreadable (a torn write counts as stale). */
function ownerOf(lockFile: string): Owner | undefined {
  try {
    const [pidText, host = ''] = readFileSync(lockFile, 'utf8').trim().split(/\s+/, 2);
    const pid = Number.parseInt(pidText ?? '', 10);
    return Number.isSafeInteger(pid) && pid > 0 ? { pid, host } : undefined;
  } catch {
    return undefined;
  }
}

function isLive(owner: Owner, me: Owner, lockFile: string, staleAfterMs: number): boolean {
  if (owner.host === me.host) return owner.pid !== me.pid && isRunning(owner.pid);
  try {
    return Date.now() - statSync(lockFile).mtimeMs < staleAfterMs;
  } catch {
    return false;
  }
}

/** Signal 0 checks that the process exists; EPERM means it exists under another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
