import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TObject } from 'typebox';
import Value from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { PLATFORM_REGISTRY } from '../../adapters/registry.js';
import type { AnyPlatformDescriptor } from '../core/platform.js';
import { ENV_BINDINGS, envBindingsOf, envNameOf, readEnv } from './env.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { type Config, ConfigSchema, configSchemaFor } from './schema.js';
import { unknownKeysOf } from './unknown-keys.js';

/** The committed defaults, next to the sources (works from `src/` under tsx and from `dist/src/`). */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));
const FALLBACK_DEFAULT_PATH = fileURLToPath(new URL('../../../config/default.yaml', import.meta.url));

export interface LoadConfigOptions {
  /** Environment to read; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** Keys merged over everything else (tests). */
  overrides?: DeepPartial<Config>;
  /** The platforms whose sections and variables are read; the registry's by default (tests add a toy one). */
  platforms?: readonly AnyPlatformDescriptor[];
}

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * Builds the configuration: `config/default.yaml` < the platform descriptors' defaults < the
 * YAML/JSON file named by `CHATGATE_CONFIG` < environment variables < `overrides`, then validates
 * it once against `ConfigSchema` (with the sections of `options.platforms`).
 * Objects merge key by key; arrays and scalars replace.
 * @throws ConfigError naming every bad key (with its env variable) and why.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const platforms = options.platforms ?? PLATFORM_REGISTRY;
  const bindings = platforms === PLATFORM_REGISTRY ? ENV_BINDINGS : envBindingsOf(platforms);
  const schema = platforms === PLATFORM_REGISTRY ? ConfigSchema : configSchemaFor(platforms);
  const issues: ConfigIssue[] = [];
  // The layers that may set a key, highest precedence first: an issue names the one that won.
  const layers: Array<{ values: Record<string, unknown>; source: Pick<ConfigIssue, 'env' | 'file'> }> = [];
  const defaults = readYamlFile(existingDefaultPath(), 'config/default.yaml', issues);
  let merged = deepMerge(defaults, platformDefaults(platforms));
  layers.unshift({ values: defaults, source: { file: 'config/default.yaml' } });
  if (env.CHATGATE_CONFIG) {
    const file = withRenamedKeys(readYamlFile(env.CHATGATE_CONFIG, 'CHATGATE_CONFIG', issues));
    for (const unknown of unknownKeysOf(schema, file, bindings)) {
      issues.push({ ...unknown, file: env.CHATGATE_CONFIG });
    }
    merged = deepMerge(merged, file);
    layers.unshift({ values: file, source: { file: env.CHATGATE_CONFIG } });
  }
  const fromEnv = readEnv(env, (path) => readFileSync(path, 'utf8'), bindings);
  issues.push(...fromEnv.issues);
  merged = deepMerge(merged, fromEnv.values);
  layers.unshift({ values: fromEnv.values, source: {} });
  const sourceOf = (key: string): Pick<ConfigIssue, 'env' | 'file'> => {
    // A list item (`auth.apiKeys.0`) comes from its list's variable or key.
    const path = key.replace(/(?:\.\d+)+$/, '');
    const layer = layers.find(({ values }) => hasPath(values, path));
    if (!layer) return {};
    return layer.values === fromEnv.values ? { env: envNameOf(path, bindings) } : layer.source;
  };
  if (options.overrides) merged = deepMerge(merged, options.overrides as Record<string, unknown>);

  const failedKeys = new Set(issues.map((issue) => issue.key));
  for (const issue of schemaIssues(schema, merged)) {
    if (!failedKeys.has(issue.key)) issues.push({ ...issue, ...sourceOf(issue.key) });
  }
  if (issues.length === 0) {
    issues.push(...crossFieldIssues(merged as Config).map((issue) => ({ ...issue, ...sourceOf(issue.key) })));
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return merged as Config;
}

/** Whether the dotted `path` is set in `values`. */
function hasPath(values: Record<string, unknown>, path: string): boolean {
  let node: unknown = values;
  for (const part of path.split('.')) {
    if (!isPlainObject(node) || !(part in node)) return false;
    node = node[part];
  }
  return node !== undefined;
}

function existingDefaultPath(): string {
  try {
    readFileSync(DEFAULT_CONFIG_PATH);
    return DEFAULT_CONFIG_PATH;
  } catch {
    return FALLBACK_DEFAULT_PATH;
  }
}

function readYamlFile(path: string, label: string, issues: ConfigIssue[]): Record<string, unknown> {
  try {
    const parsed: unknown = parseYaml(readFileSync(path, 'utf8'));
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      issues.push({ key: label, message: `${path} must hold a mapping of keys` });
      return {};
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    issues.push({ key: label, message: `cannot read ${path}: ${(error as Error).message}` });
    return {};
  }
}

/** Keys that were renamed: a config file written with the old name keeps working. */
const RENAMED_KEYS: ReadonlyArray<readonly [section: string[], old: string, current: string]> = [
  [['ai', 'breaker'], 'timeoutMs', 'halfOpenAfterMs'],
];

/** `file` with its renamed keys under their current names (the current name wins when both are set). */
function withRenamedKeys(file: Record<string, unknown>): Record<string, unknown> {
  for (const [path, old, current] of RENAMED_KEYS) {
    let section: unknown = file;
    for (const key of path) section = isPlainObject(section) ? section[key] : undefined;
    if (!isPlainObject(section) || !(old in section)) continue;
    section[current] ??= section[old];
    delete section[old];
  }
  return file;
}

/**
 * What the platforms bring: each one's section defaults and message limits (chars), as a layer
 * over `config/default.yaml` (whose `api` and `web` limits serve events without an adapter).
 */
function platformDefaults(platforms: readonly AnyPlatformDescriptor[]): Record<string, unknown> {
  const each = <T>(pick: (descriptor: AnyPlatformDescriptor) => T) =>
    Object.fromEntries(platforms.map((descriptor) => [descriptor.platform, pick(descriptor)]));
  return {
    platforms: each((descriptor) => descriptor.config.defaults),
    limits: {
      messageMaxChars: each((descriptor) => descriptor.limits.messageMaxChars),
      replyMaxChars: each((descriptor) => descriptor.limits.replyMaxChars),
    },
  };
}

/** Schema violations, one per key (the first reason for it), with dotted keys; sources are added later. */
function schemaIssues(schema: TObject, value: unknown): ConfigIssue[] {
  const byKey = new Map<string, ConfigIssue>();
  for (const error of Value.Errors(schema, value)) {
    const key = error.instancePath.slice(1).replaceAll('/', '.') || '(root)';
    const known = byKey.get(key);
    // A union reports one error per member and then `anyOf`; say which values are allowed instead.
    if (error.keyword === 'const') {
      const allowed = known?.message.startsWith('must be one of') ? `${known.message}|` : 'must be one of ';
      byKey.set(key, { key, message: `${allowed}${String(error.params.allowedValue)}` });
      continue;
    }
    if (error.keyword === 'anyOf' && known) continue;
    if (!known) byKey.set(key, { key, message: describe(error.keyword, error.message, error.params) });
  }
  return [...byKey.values()];
}

function describe(keyword: string, message: string, params: Record<string, unknown>): string {
  if (keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `must be one of ${params.allowedValues.join('|')}`;
  }
  return keyword === 'required' ? message.replace('must have required properties', 'missing') : message;
}

/** The shortest health check interval other than 0 (off), ms: shorter would hammer the endpoints. */
const MIN_HEALTH_CHECK_INTERVAL_MS = 100;

/** Rules one schema cannot say: references between keys; sources are added by the caller. */
function crossFieldIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const personalities = Object.keys(config.personalities);
  if (
    !config.ai.systemPrompt &&
    config.ai.personality !== 'random' &&
    !personalities.includes(config.ai.personality)
  ) {
    issues.push({
      key: 'ai.personality',
      message: `unknown personality "${config.ai.personality}"; one of ${[...personalities, 'random'].join('|')}`,
    });
  }
  if (config.queue.backend === 'redis' && !config.stores.redisUrl) {
    issues.push({ key: 'queue.backend', message: 'redis needs REDIS_URL' });
  }
  if (config.role !== 'all' && config.queue.backend !== 'redis') {
    issues.push({
      key: 'role',
      message: `${config.role} needs QUEUE_BACKEND=redis (the queue is how api and worker processes meet)`,
    });
  }
  if (config.role !== 'all' && !config.stores.databaseUrl) {
    issues.push({
      key: 'role',
      message: `${config.role} needs DATABASE_URL (api and worker processes share community configs and the interaction log)`,
    });
  }
  const interval = config.ai.healthCheckIntervalMs;
  if (interval > 0 && interval < MIN_HEALTH_CHECK_INTERVAL_MS) {
    issues.push({
      key: 'ai.healthCheckIntervalMs',
      message: `must be 0 (off) or at least ${MIN_HEALTH_CHECK_INTERVAL_MS}`,
    });
  }
  if (config.ai.retry.initialDelayMs > config.ai.retry.maxDelayMs) {
    issues.push({ key: 'ai.retry.initialDelayMs', message: 'must be <= ai.retry.maxDelayMs' });
  }
  return issues;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `over` into a copy of `base`: objects key by key, anything else replaced. */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}
