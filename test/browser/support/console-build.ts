/**
 * The console's build for the browser tests: `vite build` (the same config as `npm run
 * build:console`) when `console/dist` is missing or older than any console source.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const CONSOLE_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));
/** Where the build lands (what chatgate serves at /console). */
export const CONSOLE_DIST = join(CONSOLE_DIR, 'dist');

/** The newest modification time among `path` and, for a folder, everything below it, ms. */
function newest(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * Builds the console unless `console/dist/index.html` is newer than every source. Called once per
 * run by the global setup (test/support/global-setup.ts), never from test files: two files building
 * at once would empty dist under each other. vitest runs the root config's global setup once per
 * run (the `unit` and `scale` projects do not inherit it), before any file starts.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const built = statSync(join(CONSOLE_DIST, 'index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(
    newest(join(CONSOLE_DIR, 'src')),
    newest(join(CONSOLE_DIR, 'index.html')),
    newest(join(CONSOLE_DIR, 'vite.config.ts')),
  );
  if (built > sources) return;
  await build({ configFile: join(CONSOLE_DIR, 'vite.config.ts'), logLevel: 'warn' });
}
