/**
 * JSON text generated from a route's JSON schema (the TypeBox schemas the routes validate with):
 * mostly valid values, so that requests get past validation into the handlers and stores, with a
 * hostile value (hostile.ts) in place of a valid one at any depth, required fields dropped and
 * unknown or prototype keys added now and then.
 */
import fc from 'fast-check';
import { hostileJson, hostileKey, hostileString, jsonObject, jsonString } from './hostile.js';

/** The subset of JSON Schema our TypeBox schemas use. */
interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  patternProperties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
}

/** Arbitraries for fields whose generated value would reach out of the test (URLs) or need a fixed set. */
export type FieldOverrides = Record<string, fc.Arbitrary<string>>;

/** A short string within the schema's length bounds; when mutating, often with hostile fragments in it. */
function stringText(schema: Schema, mode: Mode): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
  if (!mode.mutate) return fc.string({ minLength, maxLength }).map(jsonString);
  return fc
    .oneof(
      { weight: 3, arbitrary: fc.string({ minLength, maxLength }) },
      {
        weight: 1,
        arbitrary: hostileString(4).filter((text) => text.length >= minLength && text.length <= maxLength),
      },
    )
    .map(jsonString);
}

/** A number within the schema's bounds, and its edges. */
function numberText(schema: Schema, integer: boolean): fc.Arbitrary<string> {
  const min = schema.minimum ?? -1e6;
  const max = schema.maximum ?? 1e6;
  const inRange = integer
    ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc
    .oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.constantFrom(min, max) })
    .map(String);
}

/** Whether values may be swapped for hostile ones, required fields dropped and unknown keys added. */
interface Mode {
  mutate: boolean;
}

/**
 * JSON text for `schema`: half the time valid all through (so that requests reach the handlers and
 * stores), else with each value having a 1 in 6 chance of being hostile, required fields dropped
 * now and then, and unknown or prototype keys added. `overrides` replace the valid value of a field
 * by its dot-separated path (`user.id`, `meta.*` for record values, `roles[]` for items).
 */
export function jsonFromSchema(schema: Schema, overrides: FieldOverrides = {}): fc.Arbitrary<string> {
  return fc.oneof(
    valueJson(schema, overrides, '', { mutate: false }),
    valueJson(schema, overrides, '', { mutate: true }),
  );
}

function valueJson(
  schema: Schema,
  overrides: FieldOverrides,
  path: string,
  mode: Mode,
): fc.Arbitrary<string> {
  const valid = overrides[path] ?? validJson(schema, overrides, path, mode);
  return mode.mutate
    ? fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: hostileJson })
    : valid;
}

function validJson(
  schema: Schema,
  overrides: FieldOverrides,
  path: string,
  mode: Mode,
): fc.Arbitrary<string> {
  if (schema.const !== undefined) return fc.constant(JSON.stringify(schema.const));
  if (schema.enum) return fc.constantFrom(...schema.enum).map((value) => JSON.stringify(value));
  if (schema.anyOf)
    return fc.oneof(...schema.anyOf.map((branch) => validJson(branch, overrides, path, mode)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return schema.format === 'uri' ? fc.webUrl().map(jsonString) : stringText(schema, mode);
    case 'integer':
      return numberText(schema, true);
    case 'number':
      return numberText(schema, false);
    case 'boolean':
      return fc.boolean().map(String);
    case 'null':
      return fc.constant('null');
    case 'array':
      return fc
        .array(schema.items ? valueJson(schema.items, overrides, `${path}[]`, mode) : hostileJson, {
          maxLength: 4,
        })
        .map((items) => `[${items.join(',')}]`);
    case 'object':
      return objectJson(schema, overrides, path, mode);
    default:
      return hostileJson;
  }
}

/** An object: required fields (rarely dropped when mutating), some optional ones, record entries, and (mutating) now and then an unknown key. */
function objectJson(
  schema: Schema,
  overrides: FieldOverrides,
  path: string,
  mode: Mode,
): fc.Arbitrary<string> {
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([name, field]) => {
    const value = valueJson(field, overrides, path ? `${path}.${name}` : name, mode);
    const keep = !required.has(name)
      ? fc.boolean()
      : mode.mutate
        ? fc.nat(9).map((n) => n > 0)
        : fc.constant(true);
    return fc.tuple(keep, value).map(([present, text]) => (present ? [[name, text] as const] : []));
  });
  const recordValue = Object.values(schema.patternProperties ?? {})[0];
  const records = recordValue
    ? fc.array(
        fc.tuple(
          mode.mutate ? fc.oneof(fc.string({ maxLength: 12 }), hostileKey) : fc.string({ maxLength: 12 }),
          valueJson(recordValue, overrides, `${path}.*`, mode),
        ),
        {
          maxLength: 4,
        },
      )
    : fc.constant([]);
  const unknown = !mode.mutate
    ? fc.constant([])
    : fc.oneof(
        { weight: 9, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.array(fc.tuple(hostileKey, hostileJson), { minLength: 1, maxLength: 2 }) },
      );
  return fc
    .tuple(fc.tuple(...fields), records, unknown)
    .map(([present, record, extra]) => jsonObject([...present.flat(), ...record, ...extra]));
}
