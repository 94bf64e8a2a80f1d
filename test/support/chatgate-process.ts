import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../stores/redis/support.js';
import { waitFor } from './wait-for.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** A chatgate process started the way `npm start` starts it, on its own port and data dir. */
export interface ChatgateProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr (pino JSON lines), for assertions and failures. */
  output(): string;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal) and signal. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the process has exited (by itself or by `stop`) and its stdout was read to the end. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `node --import tsx src/main.ts` with `env` (on top of a clean environment: PATH and HOME
 * only), a config file made of `config` (CHATGATE_CONFIG) and a private CHATGATE_DATA_DIR, then
 * waits until `/health` answers (the `worker` role serves its probes too).
 * @throws when it exits or has not answered within `startTimeoutMs` (default 40000: tsx compiles the sources at start, slow on a loaded 2-core machine), with its output.
 */
export async function startChatgate(
  env: Record<string, string>,
  config: Record<string, unknown> = {},
  startTimeoutMs = 40_000,
): Promise<ChatgateProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'chatgate-proc-'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      CHATGATE_CONFIG: configFile,
      CHATGATE_DATA_DIR: join(dir, 'data'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Its stdout read to the end too: the log lines held in a batch are written at exit, and
  // 'exit' may come before the last of them has been read.
  const exited = Promise.all([once(child, 'exit'), once(child.stdout ?? child, 'close')]).then(
    ([[code, signal]]) => {
      rmSync(dir, { recursive: true, force: true });
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const healthy = async (): Promise<boolean> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`chatgate exited at start (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    return fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
  };
  try {
    await waitFor(healthy, startTimeoutMs, 'chatgate to answer /health');
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`chatgate did not answer /health within ${startTimeoutMs} ms:\n${output}`, {
      cause: error,
    });
  }
  return {
    url,
    child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
