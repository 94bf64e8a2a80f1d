import { type EnvBinding, envBindingsIn, ParseFailure } from '../core/env-binding.js';
import type { AnyPlatformDescriptor } from '../core/platform.js';
import type { ConfigIssue } from './errors.js';
import { ConfigSchema, configSchemaFor } from './schema.js';

/**
 * Environment variables and the config keys they set: each named on its schema field (the core's in
 * `schema.ts`, a platform's in its config section, under `platforms.<platform>`). The names are a
 * public contract (other tools set them); keep them exactly. A `*_FILE` variant of a secret reads
 * the value from that file.
 */
export function envBindingsOf(platforms: readonly AnyPlatformDescriptor[]): readonly EnvBinding[] {
  return envBindingsIn(configSchemaFor(platforms));
}

/** The variables of the core and of the registry's platforms. */
export const ENV_BINDINGS = envBindingsIn(ConfigSchema);

/** The env variable that sets a dotted config key, for error messages. */
export function envNameOf(key: string, bindings: readonly EnvBinding[] = ENV_BINDINGS): string | undefined {
  return bindings.find(([, path]) => path === key)?.[0];
}

/**
 * Reads the bound variables from `env` into a nested partial config. Unset and empty variables are
 * skipped. Values that cannot be parsed become issues (never thrown here).
 * @param readFile reads a `*_FILE` secret; the file's content is trimmed.
 */
export function readEnv(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string,
  bindings: readonly EnvBinding[] = ENV_BINDINGS,
): { values: Record<string, unknown>; issues: ConfigIssue[] } {
  const values: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const [name, key, parse, secret] of bindings) {
    let raw = env[name];
    const fileName = `${name}_FILE`;
    if ((raw === undefined || raw === '') && secret && env[fileName]) {
      try {
        raw = readFile(env[fileName] as string).trim();
      } catch (error) {
        issues.push({ key, env: fileName, message: `cannot read the file: ${(error as Error).message}` });
        continue;
      }
    }
    if (raw === undefined || raw === '') continue;
    const value = parse(raw);
    if (value instanceof ParseFailure) issues.push({ key, env: name, message: value.message });
    else setPath(values, key, value);
  }
  return { values, issues };
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) as string] = value;
}
