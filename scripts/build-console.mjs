// `npm install`/`npm ci` (the `prepare` script) builds the operator console into console/dist, so
// that a fresh clone's `npm start` serves /console. Skipped, with one line saying why, where it
// cannot run: the sources are not there yet (the Dockerfile copies them later and then runs
// `npm run build:console` itself), or vite is not installed (`npm ci --omit=dev`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const skip = (why) => {
  console.log(`console build skipped: ${why}`);
  process.exit(0);
};

if (!existsSync(new URL('../console/index.html', import.meta.url))) skip('no console/ sources here');
try {
  require.resolve('vite/package.json');
} catch {
  skip('vite is not installed (dev dependencies omitted); run `npm run build:console` where it is');
}
const run = spawnSync('npm', ['run', '--silent', 'build:console'], { stdio: 'inherit' });
process.exit(run.status ?? 1);
