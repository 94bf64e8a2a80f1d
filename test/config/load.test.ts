import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV_BINDINGS } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

const tempDir = mkdtempSync(join(tmpdir(), 'chatgate-config-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

let fileCount = 0;
/** Writes `content` to a new file in the temp dir and returns its path. */
function tempFile(content: string, ext = 'yaml'): string {
  fileCount += 1;
  const path = join(tempDir, `file-${fileCount}.${ext}`);
  writeFileSync(path, content);
  return path;
}

/** The ConfigError that loading with `env` throws; fails the test when it loads or throws anything else. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

/** Reads a dotted key out of the config. */
function valueAt(config: Config, key: string): unknown {
  let node: unknown = config;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

describe('loadConfig: committed defaults', () => {
  const config = loadConfig({ env: {} });

  it('loads config/default.yaml alone, with the documented server and AI defaults', () => {
    expect(config.server.port).toBe(8005);
    expect(config.ai.mode).toBe('hybrid');
    expect(config.ai.provider).toBe('ollama');
    expect(config.ai.ollama.host).toBe('http://127.0.0.1:11434');
    expect(config.ai.offlineResponses).toBe(true);
    expect(config.queue.maxConcurrent).toBe(10);
  });

  it('has the documented breaker and retry defaults', () => {
    expect(config.ai.breaker).toEqual({ failureThreshold: 5, halfOpenAfterMs: 60000, successThreshold: 3 });
    expect(config.ai.retry.maxAttempts).toBe(3);
    expect(config.ai.retry.maxDelayMs).toBe(5000);
  });

  it('checks provider health every 30 s by default', () => {
    expect(config.ai.healthCheckIntervalMs).toBe(30_000);
  });

  it('ships the five personalities, and its default personality is one of them', () => {
    expect(Object.keys(config.personalities).sort()).toEqual(
      ['creative', 'friendly', 'fun', 'general', 'supportive'].sort(),
    );
    for (const text of Object.values(config.personalities)) expect(text.length).toBeGreaterThan(20);
    expect(Object.keys(config.personalities)).toContain(config.ai.personality);
  });

  it('has no API keys and no secrets by default', () => {
    expect(config.auth.apiKeys).toEqual([]);
    expect(config.auth.adminKey).toBeUndefined();
    expect(config.ai.openai.apiKey).toBeUndefined();
  });

  it('applies overrides on top of everything, leaving sibling keys alone', () => {
    const overridden = loadConfig({ env: { PORT: '9000' }, overrides: { server: { port: 9001 } } });
    expect(overridden.server.port).toBe(9001);
    expect(overridden.server.host).toBe(config.server.host);
  });
});

describe('loadConfig: environment variables', () => {
  const cases: Array<[env: string, raw: string, key: string, expected: unknown]> = [
    ['PORT', '9123', 'server.port', 9123],
    ['HOST', '127.0.0.1', 'server.host', '127.0.0.1'],
    ['CHAT_MODE', 'remote', 'ai.mode', 'remote'],
    ['CHAT_MODE', 'local', 'ai.mode', 'local'],
    ['OFFLINE_RESPONSES_ENABLED', '0', 'ai.offlineResponses', false],
    ['OFFLINE_RESPONSES_ENABLED', 'off', 'ai.offlineResponses', false],
    ['DEFAULT_PROVIDER', 'openai', 'ai.provider', 'openai'],
    ['DEFAULT_MODEL', 'qwen3:4b', 'ai.model', 'qwen3:4b'],
    ['DEFAULT_PERSONALITY', 'creative', 'ai.personality', 'creative'],
    ['OLLAMA_HOST', 'http://ollama:11434', 'ai.ollama.host', 'http://ollama:11434'],
    ['OPENAI_BASE_URL', 'http://litellm:4000/v1', 'ai.openai.baseUrl', 'http://litellm:4000/v1'],
    ['MAX_CONCURRENT_REQUESTS', '3', 'queue.maxConcurrent', 3],
    ['MAX_QUEUE_SIZE', '50', 'queue.maxSize', 50],
    ['REQUEST_TIMEOUT_MS', '2500', 'ai.requestTimeoutMs', 2500],
    ['CIRCUIT_BREAKER_FAILURE_THRESHOLD', '7', 'ai.breaker.failureThreshold', 7],
    ['CIRCUIT_BREAKER_TIMEOUT_MS', '1500', 'ai.breaker.halfOpenAfterMs', 1500],
    ['CIRCUIT_BREAKER_SUCCESS_THRESHOLD', '2', 'ai.breaker.successThreshold', 2],
    ['RETRY_MAX_ATTEMPTS', '5', 'ai.retry.maxAttempts', 5],
    ['RETRY_MAX_DELAY_MS', '9000', 'ai.retry.maxDelayMs', 9000],
    ['HEALTH_CHECK_INTERVAL_MS', '5000', 'ai.healthCheckIntervalMs', 5000],
    ['HEALTH_CHECK_INTERVAL_MS', '0', 'ai.healthCheckIntervalMs', 0],
    [
      'ROUTER_RESPONSE_URL',
      'http://router:8000/responses',
      'callbacks.defaultUrl',
      'http://router:8000/responses',
    ],
    ['LOG_LEVEL', 'debug', 'log.level', 'debug'],
    ['RESPONSE_CACHE_TTL_MS', '30000', 'openaiApi.responseCacheTtlMs', 30000],
  ];

  it.each(cases)('%s=%s sets %s', (name, raw, key, expected) => {
    const defaults = loadConfig({ env: {} });
    expect(valueAt(defaults, key)).not.toEqual(expected);
    expect(valueAt(loadConfig({ env: { [name]: raw } }), key)).toEqual(expected);
  });

  it('binds every variable it sets in these tests (the names are a public contract)', () => {
    const bound = new Map(ENV_BINDINGS.map(([name, key]) => [name, key]));
    for (const [name, , key] of cases) expect(bound.get(name)).toBe(key);
    expect(bound.get('CHATGATE_API_KEYS')).toBe('auth.apiKeys');
  });

  it('splits CHATGATE_API_KEYS on commas, trimmed, without empty items', () => {
    const config = loadConfig({ env: { CHATGATE_API_KEYS: ' key-one-1234 ,key-two-5678 , ,' } });
    expect(config.auth.apiKeys).toEqual(['key-one-1234', 'key-two-5678']);
  });

  it('changes only the bound key of a nested object', () => {
    const config = loadConfig({ env: { CIRCUIT_BREAKER_FAILURE_THRESHOLD: '9' } });
    expect(config.ai.breaker).toEqual({ failureThreshold: 9, halfOpenAfterMs: 60000, successThreshold: 3 });
  });

  it('skips empty variables', () => {
    expect(loadConfig({ env: { PORT: '', CHAT_MODE: '' } }).server.port).toBe(8005);
  });

  it('reads OPENAI_API_KEY from the file named by OPENAI_API_KEY_FILE, trimmed', () => {
    const path = tempFile('sk-from-a-file-42\n', 'txt');
    expect(loadConfig({ env: { OPENAI_API_KEY_FILE: path } }).ai.openai.apiKey).toBe('sk-from-a-file-42');
  });

  it('reads CHATGATE_API_KEYS from a file as a list', () => {
    const path = tempFile('first-key-0001, second-key-0002\n', 'txt');
    expect(loadConfig({ env: { CHATGATE_API_KEYS_FILE: path } }).auth.apiKeys).toEqual([
      'first-key-0001',
      'second-key-0002',
    ]);
  });

  it('reports an unreadable *_FILE as an issue naming the variable', () => {
    const error = configError({ OPENAI_API_KEY_FILE: join(tempDir, 'missing-secret.txt') });
    expect(error.issues).toEqual([
      expect.objectContaining({ key: 'ai.openai.apiKey', env: 'OPENAI_API_KEY_FILE' }),
    ]);
    expect(error.message).toContain('OPENAI_API_KEY_FILE');
  });
});

describe('loadConfig: CHATGATE_CONFIG file', () => {
  const file = tempFile(
    [
      'server:',
      '  port: 9100',
      'ai:',
      '  mode: local',
      '  model: file-model',
      '  breaker:',
      '    failureThreshold: 2',
      'personalities:',
      '  pirate: You are a pirate who answers in pirate speak.',
      '',
    ].join('\n'),
  );

  it('overrides the defaults key by key', () => {
    const config = loadConfig({ env: { CHATGATE_CONFIG: file } });
    expect(config.server.port).toBe(9100);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.ai.mode).toBe('local');
    expect(config.ai.model).toBe('file-model');
    expect(config.ai.breaker).toEqual({ failureThreshold: 2, halfOpenAfterMs: 60000, successThreshold: 3 });
    expect(Object.keys(config.personalities)).toEqual(expect.arrayContaining(['friendly', 'pirate']));
  });

  it('is overridden by environment variables', () => {
    const config = loadConfig({
      env: { CHATGATE_CONFIG: file, PORT: '9200', CHAT_MODE: 'remote', DEFAULT_PERSONALITY: 'pirate' },
    });
    expect(config.server.port).toBe(9200);
    expect(config.ai.mode).toBe('remote');
    expect(config.ai.model).toBe('file-model');
    expect(config.ai.personality).toBe('pirate');
  });

  it('still reads a key under its old name (ai.breaker.timeoutMs is now halfOpenAfterMs)', () => {
    const old = tempFile(['ai:', '  breaker:', '    timeoutMs: 4500', ''].join('\n'));
    expect(loadConfig({ env: { CHATGATE_CONFIG: old } }).ai.breaker.halfOpenAfterMs).toBe(4500);
  });

  it('reports a missing file as an issue, not a crash', () => {
    const missing = join(tempDir, 'does-not-exist.yaml');
    const error = configError({ CHATGATE_CONFIG: missing });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.key).toBe('CHATGATE_CONFIG');
    expect(error.message).toContain(missing);
  });

  it('reports a file that is not a mapping', () => {
    const error = configError({ CHATGATE_CONFIG: tempFile('- just\n- a list\n') });
    expect(error.issues.map((issue) => issue.key)).toEqual(['CHATGATE_CONFIG']);
  });

  it('reports a bad value in the file by its key', () => {
    const error = configError({ CHATGATE_CONFIG: tempFile('queue:\n  maxConcurrent: 0\n') });
    expect(error.issues.map((issue) => issue.key)).toEqual(['queue.maxConcurrent']);
    expect(error.message).toContain('queue.maxConcurrent');
  });
});

describe('loadConfig: invalid values', () => {
  const bad = {
    PORT: 'abc',
    CHAT_MODE: 'x',
    MAX_QUEUE_SIZE: '0',
    OLLAMA_HOST: 'not-a-url',
    OFFLINE_RESPONSES_ENABLED: 'maybe',
  };

  it('throws one ConfigError naming every bad key with its variable and a reason', () => {
    const error = configError(bad);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.issues).toHaveLength(5);
    const byKey = new Map(error.issues.map((issue) => [issue.key, issue]));
    expect(byKey.get('server.port')).toMatchObject({
      env: 'PORT',
      message: expect.stringMatching(/integer/),
    });
    expect(byKey.get('ai.mode')).toMatchObject({
      env: 'CHAT_MODE',
      message: expect.stringContaining('remote|local|hybrid'),
    });
    expect(byKey.get('queue.maxSize')).toMatchObject({
      env: 'MAX_QUEUE_SIZE',
      message: expect.stringContaining('1'),
    });
    expect(byKey.get('ai.ollama.host')).toMatchObject({
      env: 'OLLAMA_HOST',
      message: expect.stringMatching(/uri/),
    });
    expect(byKey.get('ai.offlineResponses')).toMatchObject({
      env: 'OFFLINE_RESPONSES_ENABLED',
      message: expect.stringMatching(/true/),
    });
  });

  it('says it all in the message', () => {
    const { message } = configError(bad);
    for (const name of Object.keys(bad)) expect(message).toContain(name);
    for (const key of ['server.port', 'ai.mode', 'queue.maxSize', 'ai.ollama.host', 'ai.offlineResponses']) {
      expect(message).toContain(key);
    }
    expect(message).toContain('remote|local|hybrid');
  });

  it('rejects a port out of range and a callback URL that is not a URL', () => {
    const error = configError({ PORT: '70000', ROUTER_RESPONSE_URL: 'router-responses' });
    expect(error.issues.map((issue) => issue.env).sort()).toEqual(['PORT', 'ROUTER_RESPONSE_URL']);
    expect(error.message).toContain('65535');
  });

  it('names an unknown personality and the known ones', () => {
    const error = configError({ DEFAULT_PERSONALITY: 'grumpy' });
    expect(error.issues).toEqual([
      expect.objectContaining({ key: 'ai.personality', env: 'DEFAULT_PERSONALITY' }),
    ]);
    expect(error.message).toContain('grumpy');
    expect(error.message).toContain('friendly');
  });

  it('names a too-short API key by its variable without showing the key', () => {
    const error = configError({ CHATGATE_API_KEYS: 'good-key-123456,Xy7Qw', CHATGATE_ADMIN_KEY: 'Adm1n' });
    expect(error.issues.map((issue) => issue.env).sort()).toEqual([
      'CHATGATE_ADMIN_KEY',
      'CHATGATE_API_KEYS',
    ]);
    expect(error.message).toContain('CHATGATE_API_KEYS');
    expect(error.message).toContain('CHATGATE_ADMIN_KEY');
    expect(error.message).not.toContain('Xy7Qw');
    expect(error.message).not.toContain('Adm1n');
    expect(error.message).not.toContain('good-key-123456');
  });

  it('never shows secrets that come with other errors', () => {
    const secretFile = tempFile('sk-file-DoNotLeak-777\n', 'txt');
    const error = configError({
      ...bad,
      OPENAI_API_KEY: 'sk-env-DoNotLeak-999',
      CHATGATE_ADMIN_KEY_FILE: secretFile,
    });
    expect(error.message).not.toContain('DoNotLeak');
    expect(JSON.stringify(error.issues)).not.toContain('DoNotLeak');
  });
});

describe('loadConfig: HEALTH_CHECK_INTERVAL_MS', () => {
  it.each([
    ['50', 'must be 0 (off) or at least 100'],
    ['-1', 'must be >= 0'],
    ['2.5', 'must be an integer'],
    ['soon', 'must be an integer'],
    ['86400001', 'must be <= 86400000'],
  ])('rejects %s, naming the variable and why', (raw, why) => {
    const error = configError({ HEALTH_CHECK_INTERVAL_MS: raw });
    expect(error.issues).toEqual([
      expect.objectContaining({ key: 'ai.healthCheckIntervalMs', env: 'HEALTH_CHECK_INTERVAL_MS' }),
    ]);
    expect(error.message).toContain(why);
  });

  it('accepts 0 (off) and 100 (the shortest interval)', () => {
    expect(loadConfig({ env: { HEALTH_CHECK_INTERVAL_MS: '100' } }).ai.healthCheckIntervalMs).toBe(100);
    expect(
      loadConfig({ env: {}, overrides: { ai: { healthCheckIntervalMs: 0 } } }).ai.healthCheckIntervalMs,
    ).toBe(0);
  });
});

describe('loadConfig: keys a CHATGATE_CONFIG file should not have', () => {
  it('reports each unknown key by its path and file, with what was probably meant', () => {
    const file = tempFile(
      [
        'CHAT_MODE: local',
        'servr:',
        '  port: 9100',
        'ai:',
        '  modell: llama3',
        '  breaker:',
        '    timeoutMs: 4500',
        'platforms:',
        '  telegram:',
        '    botTokn: x',
        'personalities:',
        '  any-name-at-all: A map takes any key.',
        '',
      ].join('\n'),
    );
    const error = configError({ CHATGATE_CONFIG: file });
    expect(error.issues.map((issue) => issue.key).sort()).toEqual([
      'CHAT_MODE',
      'ai.modell',
      'platforms.telegram.botTokn',
      'servr',
    ]);
    for (const issue of error.issues)
      expect(issue).toMatchObject({ file, message: expect.stringMatching(/^unknown key/) });
    const byKey = new Map(error.issues.map((issue) => [issue.key, issue.message]));
    expect(byKey.get('ai.modell')).toContain('did you mean model?');
    expect(byKey.get('servr')).toContain('did you mean server?');
    expect(byKey.get('platforms.telegram.botTokn')).toContain('did you mean botToken?');
    expect(byKey.get('CHAT_MODE')).toContain('in a config file the key is ai.mode');
    expect(error.message).toContain(`ai.modell (in ${file}): unknown key`);
  });
});

describe('loadConfig: an issue names the source of the bad value', () => {
  it('names the file, not CHAT_MODE, when the bad value came from the file', () => {
    const file = tempFile('ai:\n  mode: turbo\n');
    const error = configError({ CHATGATE_CONFIG: file });
    expect(error.issues).toEqual([
      { key: 'ai.mode', file, message: expect.stringContaining('remote|local|hybrid') },
    ]);
    expect(error.message).toContain(`ai.mode (in ${file}): must be one of`);
    expect(error.message).not.toContain('CHAT_MODE');
  });

  it('names the variable when the environment set it over a good file', () => {
    const file = tempFile('ai:\n  mode: local\n');
    const error = configError({ CHATGATE_CONFIG: file, CHAT_MODE: 'turbo' });
    expect(error.issues).toEqual([expect.objectContaining({ key: 'ai.mode', env: 'CHAT_MODE' })]);
    expect(error.issues[0]?.file).toBeUndefined();
    expect(error.message).not.toContain(file);
  });

  it('names the file for a rule between keys (an unknown personality set in the file)', () => {
    const file = tempFile('ai:\n  personality: grumpy\n');
    const error = configError({ CHATGATE_CONFIG: file });
    expect(error.issues).toEqual([expect.objectContaining({ key: 'ai.personality', file })]);
    expect(error.message).not.toContain('DEFAULT_PERSONALITY');
  });
});
