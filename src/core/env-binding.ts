/**
 * How an environment variable becomes a config value. The names of the variables are a public
 * contract (other tools set them): `src/config/env.ts` lists the core's, each platform descriptor
 * (`adapters/<platform>/index.ts`) its own.
 */

/** A parsed value, or a `ParseFailure` saying why the raw text is not one. */
export type EnvParser = (raw: string) => unknown;

/** What a parser returns for text it cannot read; never thrown. */
export class ParseFailure {
  constructor(readonly message: string) {}
}

/**
 * `[env name, dotted config key, parser, is a secret]`. A secret may also come from the file named
 * by `<env name>_FILE`. In a platform descriptor the key is relative to `platforms.<platform>`.
 */
export type EnvBinding = readonly [name: string, key: string, parse: EnvParser, secret?: boolean];

/** The text as given. */
export const text: EnvParser = (raw) => raw;

/** A whole number in decimal (`-12`, `300`). */
export const integer: EnvParser = (raw) =>
  /^-?\d+$/.test(raw.trim()) ? Number(raw) : new ParseFailure('must be an integer');

/** `1 true yes on` / `0 false no off`, any case. */
export const boolean: EnvParser = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  return new ParseFailure('must be one of 1, 0, true, false, yes, no');
};

/** A comma-separated list; items trimmed, empty items dropped (`a, b,,c` → `['a','b','c']`). */
export const list: EnvParser = (raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
