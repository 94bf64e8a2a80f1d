/**
 * How an environment variable becomes a config value. Each variable is named on the schema field it
 * sets (`Type.Integer({ env: 'PORT' })`, in `src/config/schema.ts` and each platform's config
 * section); the names are a public contract (other tools set them).
 */

/** A parsed value, or a `ParseFailure` saying why the raw text is not one. */
export type EnvParser = (raw: string) => unknown;

/** What a parser returns for text it cannot read; never thrown. */
export class ParseFailure {
  constructor(readonly message: string) {}
}

/**
 * `[env name, dotted config key, parser, is a secret]`. A secret may also come from the file named
 * by `<env name>_FILE`.
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

/** The schema keywords of a field bound to an environment variable: `Type.Integer({ env: 'PORT' })`. */
interface BoundField {
  type?: unknown;
  properties?: Record<string, BoundField>;
  /** The variable that sets this field. */
  env?: unknown;
  /** The value is a secret: it may also come from the file named by `<env>_FILE`. */
  secret?: unknown;
}

/** How a field's text is read, from its schema type: integers, booleans, comma lists, else text. */
function parserFor(field: BoundField): EnvParser {
  if (field.type === 'integer') return integer;
  if (field.type === 'boolean') return boolean;
  if (field.type === 'array') return list;
  return text;
}

/**
 * The environment variables of a TypeBox object schema: every field (at any depth) whose schema
 * carries `env: '<NAME>'` (and `secret: true` for a secret), as bindings with dotted keys under
 * `prefix`. The parser follows the field's type (`integer`, `boolean`, `array` → `list`, else `text`).
 * @example envBindingsIn(Type.Object({ port: Type.Integer({ env: 'PORT' }) })) // [['PORT', 'port', integer]]
 */
export function envBindingsIn(schema: object, prefix = ''): EnvBinding[] {
  const bindings: EnvBinding[] = [];
  for (const [key, field] of Object.entries((schema as BoundField).properties ?? {})) {
    const path = `${prefix}${key}`;
    if (typeof field.env === 'string')
      bindings.push([field.env, path, parserFor(field), field.secret === true]);
    if (field.properties) bindings.push(...envBindingsIn(field, `${path}.`));
  }
  return bindings;
}
