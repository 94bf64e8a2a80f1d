import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Portkey's open-source gateway running in a child process. */
export interface PortkeyGateway {
  /** `http://127.0.0.1:<port>`: its OpenAI-style routes are under `/v1`. */
  url: string;
  process: ChildProcess;
  /**
   * The headers that route a request through Portkey to an OpenAI-compatible server at `baseUrl`
   * (including `/v1`): provider `openai` with a custom host (Portkey's docs, "Bring your own
   * provider / custom host"); the caller's `Authorization` is forwarded as it is.
   */
  headersFor(baseUrl: string): Record<string, string>;
  /** SIGTERM, then resolves when it has exited. */
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 just now (Portkey takes a fixed `--port`, not 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/**
 * Starts `@portkey-ai/gateway` (the devDependency, its published Node build `build/start-server.js`)
 * headless (no log UI) on a free port, with `portkey-fetch-fix.ts` preloaded (its streams fail on
 * Node without it: see there), and resolves once `GET /` answers. Its own output goes to /dev/null
 * (a start-up spinner); its errors to our stderr.
 * @throws Error when the process exits before it answers, or does not answer within 30 s.
 */
export async function spawnPortkey(): Promise<PortkeyGateway> {
  const entry = createRequire(import.meta.url).resolve('@portkey-ai/gateway/build/start-server.js');
  const fix = fileURLToPath(new URL('./portkey-fetch-fix.ts', import.meta.url));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', fix, entry, `--port=${port}`, '--headless'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  // Portkey prints no machine-readable ready line: poll its root route until it answers.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`portkey exited ${child.exitCode} before it answered`);
    const answered = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error('portkey did not answer within 30 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    headersFor: (baseUrl) => ({
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': baseUrl,
    }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
