import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_BINDINGS } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';

/** Issue 19, item 6: the variables of client keys and of the callback allow list. */
describe('CHATGATE_CLIENT_KEYS and CALLBACK_ALLOWED_HOSTS', () => {
  it('are bound, client keys as a secret (a *_FILE may hold them)', () => {
    const bound = new Map(ENV_BINDINGS.map(([name, key, , secret]) => [name, { key, secret }]));
    expect(bound.get('CHATGATE_CLIENT_KEYS')).toEqual({ key: 'auth.clientKeys', secret: true });
    expect(bound.get('CALLBACK_ALLOWED_HOSTS')).toEqual({ key: 'callbacks.allowedHosts', secret: false });
  });

  it('split on commas, trimmed, and default to none', () => {
    const defaults = loadConfig({ env: {} });
    expect(defaults.auth.clientKeys ?? []).toEqual([]);
    expect(defaults.callbacks.allowedHosts ?? []).toEqual([]);
    const config = loadConfig({
      env: {
        CHATGATE_CLIENT_KEYS: ' client-key-0001 , client-key-0002,',
        CALLBACK_ALLOWED_HOSTS: '127.0.0.1, router.internal',
      },
    });
    expect(config.auth.clientKeys).toEqual(['client-key-0001', 'client-key-0002']);
    expect(config.callbacks.allowedHosts).toEqual(['127.0.0.1', 'router.internal']);
  });

  it('reads client keys from CHATGATE_CLIENT_KEYS_FILE, and refuses one shorter than 8 characters', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'chatgate-scopes-')), 'client-keys.txt');
    writeFileSync(path, 'client-key-from-file\n');
    expect(loadConfig({ env: { CHATGATE_CLIENT_KEYS_FILE: path } }).auth.clientKeys).toEqual([
      'client-key-from-file',
    ]);
    expect(() => loadConfig({ env: { CHATGATE_CLIENT_KEYS: 'short' } })).toThrow(/CHATGATE_CLIENT_KEYS/);
  });
});
