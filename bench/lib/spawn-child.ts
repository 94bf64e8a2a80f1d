import { type ChildProcess, spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A benchmark helper process (a `bench/lib/*-child.ts` or `fake-upstream.ts`) and its URL. */
export interface Child {
  /** What the child printed first on stdout: its URL. */
  url: string;
  process: ChildProcess;
  /** SIGTERM, then resolves when it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `script` (a path, or a name under `bench/lib/`) with tsx, an IPC channel (see probe.ts)
 * and `env` on top of ours; resolves once it prints its URL. `nodeOptions` go before the script
 * (e.g. `--expose-gc`); `options.imports` are preloaded after tsx (TypeScript modules, e.g. the
 * cost probe), and `options.cwd` is its working directory (default: ours).
 * @throws when the child exits before it printed its URL.
 */
export async function spawnChild(
  script: string,
  env: Record<string, string> = {},
  nodeOptions: string[] = [],
  options: { cwd?: string; imports?: string[] } = {},
): Promise<Child> {
  const path = isAbsolute(script) ? script : fileURLToPath(new URL(`./${script}`, import.meta.url));
  const imports = (options.imports ?? []).flatMap((module) => ['--import', module]);
  const child = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', ...imports, path], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`${script} exited ${code} before it printed its URL`)));
  });
  return {
    url,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
