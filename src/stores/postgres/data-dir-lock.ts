import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/**
 * Another live process holds the data directory: two PGlite instances on one directory corrupt it
 * silently, so the second one refuses to start. The message is one line naming the directory.
 */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    /** The directory PGlite keeps its files in. */
    readonly dataDir: string,
    /** The pid written in the lock file. */
    readonly ownerPid: number,
    /** The lock file (`<dataDir>.lock`). */
    readonly lockFile: string,
  ) {
    super(
      `the data directory ${dataDir} is in use by another chatgate (pid ${ownerPid}, lock ${lockFile}); stop it, or set CHATGATE_DATA_DIR to another directory`,
    );
  }
}

/** A held lock; `release()` removes the lock file if it is still ours (idempotent). */
export interface DataDirLock {
  readonly lockFile: string;
  release(): void;
}

/**
 * Takes the lock of `dataDir`: the file `<dataDir>.lock` (next to the directory, not inside it,
 * so PGlite's own files are left alone), created exclusively with this process's pid. A lock whose
 * pid no longer runs is stale (the owner crashed or was killed) and is taken over; so is one with
 * our own pid, which can only be left by an earlier run that had the same pid (a container
 * restarted: chatgate is pid 1 again).
 * @throws DataDirLockedError when a live process holds the lock.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const lockFile = `${dataDir}.lock`;
  // Two tries: the second after removing a stale lock. A rival that took it over in between wins.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { lockFile, release: () => releaseIfOurs(lockFile) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = ownerOf(lockFile);
    if (owner !== undefined && owner !== process.pid && isRunning(owner)) {
      throw new DataDirLockedError(dataDir, owner, lockFile);
    }
    rmSync(lockFile, { force: true });
  }
  throw new DataDirLockedError(dataDir, ownerOf(lockFile) ?? 0, lockFile);
}

/** The pid in the lock file; undefined when the file is gone or holds no pid (a torn write). */
function ownerOf(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
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

function releaseIfOurs(lockFile: string): void {
  if (ownerOf(lockFile) === process.pid) rmSync(lockFile, { force: true });
}
