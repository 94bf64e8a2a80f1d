/**
 * `/console`: the built console's files with their cache rules, or, with no build, a 503 page that
 * says how to build it (never a crash, never a bare 404).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { consoleBuildDir, consoleStaticRoutes } from '../../src/http/routes/console-static.js';

describe('the console static files', () => {
  // Installed under a folder named `assets`: only the build's own assets/ are cached for a year.
  const install = mkdtempSync(join(tmpdir(), 'console-install-'));
  const dir = join(install, 'assets', 'dist');
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(install, { recursive: true, force: true }));

  it('serves a build: index revalidated, hashed assets cached for a year, /console redirected', async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-abc123.js.br'), brotliCompressSync('console.log(1)'));
    const found = consoleBuildDir([join(tmpdir(), 'nope-missing/'), `${dir}/`]);
    expect(found).toBe(`${dir}/`);
    const app = Fastify();
    await app.register(consoleStaticRoutes(found));
    const index = await app.inject({ url: '/console/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ url: '/console/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toBe('console.log(1)');
    // The build's precompressed file, to a browser that takes brotli.
    const compressed = await app.inject({
      url: '/console/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(compressed.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(compressed.rawPayload).toString()).toBe('console.log(1)');
    const bare = await app.inject({ url: '/console' });
    expect(bare.statusCode).toBe(301);
    expect(bare.headers.location).toBe('/console/');
    expect((await app.inject({ url: '/console/../package.json' })).statusCode).not.toBe(200);
    await app.close();
  });

  it('answers 503 with how to build it when there is no build', async () => {
    expect(consoleBuildDir([join(tmpdir(), 'nope-missing/')])).toBeUndefined();
    const app = Fastify();
    await app.register(consoleStaticRoutes(undefined));
    for (const url of ['/console', '/console/', '/console/assets/x.js']) {
      const page = await app.inject({ url });
      expect(page.statusCode).toBe(503);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('npm run build:console');
    }
    await app.close();
  });
});
