import type { TSchema } from 'typebox';
import type { EnvBinding } from '../core/env-binding.js';

/** A key of a config file that the schema does not know, with a hint when one is at hand. */
export interface UnknownKey {
  /** Dotted path in the file, e.g. `ai.modle`. */
  key: string;
  /** `unknown key`, with what was probably meant. */
  message: string;
}

interface ObjectSchema {
  properties?: Record<string, TSchema>;
  patternProperties?: Record<string, TSchema>;
  additionalProperties?: boolean | TSchema;
}

/**
 * The keys of `value` (a parsed config file) that `schema` has no place for: a typo or a key of
 * another version is otherwise merged and ignored without a word. Objects with fixed properties
 * are checked; maps (`patternProperties`, e.g. `personalities`) check their values only; an
 * object that allows any other key (`additionalProperties` true or a schema) is not checked.
 * @param bindings the env variables: a variable's name written as a key gets a hint to its key.
 */
export function unknownKeysOf(
  schema: TSchema,
  value: unknown,
  bindings: readonly EnvBinding[],
  path: readonly string[] = [],
): UnknownKey[] {
  if (!isPlainObject(value)) return [];
  const { properties, patternProperties, additionalProperties } = schema as ObjectSchema;
  if (!properties && !patternProperties) return [];
  const found: UnknownKey[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childSchema =
      properties?.[key] ??
      Object.entries(patternProperties ?? {}).find(([pattern]) => new RegExp(pattern, 'u').test(key))?.[1];
    if (childSchema) {
      found.push(...unknownKeysOf(childSchema, child, bindings, [...path, key]));
    } else if (additionalProperties === undefined || additionalProperties === false) {
      const known = Object.keys(properties ?? {});
      found.push({ key: [...path, key].join('.'), message: `unknown key${hintFor(key, known, bindings)}` });
    }
  }
  return found;
}

/** What was probably meant: a known sibling spelled alike, or the key an env variable's name sets. */
function hintFor(key: string, siblings: readonly string[], bindings: readonly EnvBinding[]): string {
  const binding = bindings.find(([name]) => name === key);
  if (binding) return `; ${key} is an environment variable, in a config file the key is ${binding[1]}`;
  const alike = siblings
    .map((sibling) => ({ sibling, distance: spellingDistance(key, sibling) }))
    .filter(({ distance }) => distance !== undefined)
    .sort((a, b) => (a.distance as number) - (b.distance as number))[0];
  return alike ? `; did you mean ${alike.sibling}?` : `; known keys here: ${siblings.join(', ')}`;
}

/**
 * Edits between two keys, ignoring case, `_` and `-`, when they are close enough to be a typo
 * (one edit; two for longer words); undefined when they are not.
 */
function spellingDistance(a: string, b: string): number | undefined {
  const plain = (text: string) => text.toLowerCase().replaceAll(/[_-]/g, '');
  const [x, y] = [plain(a), plain(b)];
  const distance = editDistance(x, y);
  return distance <= (Math.min(x.length, y.length) >= 6 ? 2 : 1) ? distance : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
