import { describe, expect, it } from 'vitest';
import type { DeepPartial } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { listenHost } from '../src/listen-host.js';
import { startChatgate } from './support/chatgate-process.js';
import { testConfig } from './support/services.js';
import { waitFor } from './support/wait-for.js';

const on = (host: string, overrides: DeepPartial<Config> = {}) =>
  listenHost(testConfig({ ...overrides, server: { host } }));

describe('where chatgate listens', { timeout: 60_000 }, () => {
  it('listens on HOST when a key is set', () => {
    expect(on('0.0.0.0', { auth: { apiKeys: ['caller-key-0001'] } })).toEqual({ host: '0.0.0.0' });
    expect(on('0.0.0.0', { auth: { adminKey: 'admin-key-0001' } })).toEqual({ host: '0.0.0.0' });
    expect(on('0.0.0.0', { auth: { clientKeys: ['client-key-0001'] } })).toEqual({ host: '0.0.0.0' });
  });

  it('without keys, on 127.0.0.1, and says so on stderr when HOST asked for more', () => {
    const exposed = on('0.0.0.0');
    expect(exposed.host).toBe('127.0.0.1');
    expect(exposed.warning).toContain('WITHOUT authentication');
    expect(exposed.stderrLine).toMatch(/^chatgate: listening on 127\.0\.0\.1, NOT on HOST=0\.0\.0\.0: /);
    expect(exposed.stderrLine).toContain('docker run -p');
    expect(exposed.stderrLine).not.toContain('\n');
    // Loopback was asked for: a warning in the log, nothing to shout about.
    const local = on('127.0.0.1');
    expect(local).toMatchObject({ host: '127.0.0.1', warning: expect.any(String) });
    expect(local.stderrLine).toBeUndefined();
  });

  it('npm start with HOST=0.0.0.0 and no keys writes one plain line on stderr', async () => {
    const chatgate = await startChatgate({ HOST: '0.0.0.0' });
    try {
      // Log lines reach stdout in batches (up to 100 ms late): wait for the warning, never assume it.
      await waitFor(() => chatgate.output().includes('"level":40'), 10_000, 'the warning in the log');
      const plain = chatgate
        .output()
        .split('\n')
        .filter((line) => line.startsWith('chatgate:'));
      expect(plain).toEqual([expect.stringContaining('listening on 127.0.0.1, NOT on HOST=0.0.0.0')]);
    } finally {
      await chatgate.stop();
    }
  });
});
