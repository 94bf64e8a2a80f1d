import { existsSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/**
 * The console's build (`npm run build:console`: `vite build` into `console/dist`), seen from this
 * file in the source tree (`src/http/routes/`) or compiled (`dist/src/http/routes/`).
 */
const CANDIDATES = ['../../../console/dist/', '../../../../console/dist/'].map((path) =>
  fileURLToPath(new URL(path, import.meta.url)),
);

/** The first console build that exists (it has an `index.html`), or undefined. */
export function consoleBuildDir(candidates: readonly string[] = CANDIDATES): string | undefined {
  return candidates.find((dir) => existsSync(`${dir}index.html`));
}

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>chatgate console: not built</title></head>
<body><h1>The console is not built</h1>
<p>Run <code>npm run build:console</code> (or <code>npm install</code>, which builds it), then reload.</p>
</body></html>
`;

/**
 * `GET /console/…`: the operator console's static files from `dir` (`consoleBuildDir()`; no key
 * needed: the page asks for one and sends it with each API call). `/console` redirects to
 * `/console/`. Assets under `assets/` carry a content hash in their name and are cached for a
 * year; `index.html` is revalidated each time. Without a build (`dir` undefined), every `/console`
 * path answers 503 with a page that says how to build it, never a crash.
 */
export const consoleStaticRoutes = (dir: string | undefined): FastifyPluginAsync =>
  async function consoleStatic(app) {
    if (!dir) {
      const missing = async (_request: unknown, reply: FastifyReply) =>
        reply
          .code(503)
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(MISSING_PAGE);
      // Pages, not API: left out of /openapi.json, as @fastify/static's routes are (`schemaHide`).
      app.get('/console', { schema: { hide: true } }, missing);
      app.get('/console/*', { schema: { hide: true } }, missing);
      return;
    }
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/console',
      redirect: true,
      // The build writes .br and .gz beside each file (console/vite.config.ts): sent when accepted.
      preCompressed: true,
      decorateReply: false,
      cacheControl: false,
      setHeaders: (reply, path) => {
        // Under the build's own assets/ (not any folder of that name above it: index.html stays revalidated).
        const immutable = relative(dir, path).startsWith(`assets${sep}`);
        void reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  };
