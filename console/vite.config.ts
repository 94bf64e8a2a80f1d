import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/**
 * Writes a `.br` and a `.gz` beside each HTML, JS and CSS file of the build, once, at build time:
 * chatgate serves them (@fastify/static `preCompressed`) to browsers that accept them, instead of
 * compressing on every request or sending the files whole.
 */
function precompress(): Plugin {
  return {
    name: 'chatgate-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? 'dist';
      for (const name of Object.keys(bundle)) {
        if (!/\.(html|js|css)$/.test(name)) continue;
        const file = join(dir, name);
        const source = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(source, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(source, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

/**
 * The operator console: `vite build --config console/vite.config.ts` (npm run build:console) writes
 * static files to `console/dist`, served by chatgate at `/console/` (src/http/routes/console-static.ts).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // No public folder: everything the page loads is bundled (and hashed) from src/.
  publicDir: false,
  plugins: [precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The console speaks to one chatgate on the operator's machine or LAN: current browsers only.
    target: 'es2022',
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
