import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Starts `fake-upstream.ts` in a child process; resolves with its URL and a stop function. */
export async function spawnFakeUpstream(
  env: Record<string, string> = {},
): Promise<{ url: string; stop: () => void }> {
  const script = fileURLToPath(new URL('./fake-upstream.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`fake upstream exited ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}
