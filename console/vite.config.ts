import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The operator console: `vite build --config console/vite.config.ts` (npm run build:console) writes
 * static files to `console/dist`, served by chatgate at `/console/` (src/http/routes/console-static.ts).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // No public folder: everything the page loads is bundled (and hashed) from src/.
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The console speaks to one chatgate on the operator's machine or LAN: current browsers only.
    target: 'es2022',
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
