/**
 * Hostile input for the HTTP fuzzer: strings with NUL, lone surrogates, bidi and invisible marks,
 * 1 MB strings, deep nesting, huge and non-finite numbers, prototype keys, wrong types. Values are
 * produced as JSON *text* (not JS values), so that what JSON.stringify cannot write (`1e309`, a
 * `__proto__` key, 10,000 levels) reaches the server as a caller could send it.
 */
import fc from 'fast-check';

/** Fragments that have broken text handling somewhere: NUL, lone surrogates, bidi and invisible marks. */
const FRAGMENTS = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\udc00x',
  'x\ud83d',
  '\u202e',
  '\u200f',
  '\u2066',
  '\u200b',
  '\ufeff',
  '\u2800',
  '\r\n',
  '\t',
  '%00',
  '%ED%A0%80',
  '../',
  '"',
  '\\',
  '$' + '{x}', // a template placeholder, spelled so that it stays literal text
  '<script>',
  '__proto__',
  'constructor',
  '𝕏',
  '\u0301',
];

/** Up to `maxParts` pieces of arbitrary code points and hostile fragments, joined. */
export function hostileString(maxParts = 6): fc.Arbitrary<string> {
  return fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
        { weight: 2, arbitrary: fc.constantFrom(...FRAGMENTS) },
      ),
      { maxLength: maxParts },
    )
    .map((parts) => parts.join(''));
}

/** Number spellings that overflow, underflow or are not numbers at all (for queries and JSON). */
export const NUMBER_TEXTS = [
  '1e309',
  '-1e309',
  '1e20',
  '-1e20',
  '9'.repeat(30),
  '-0',
  '1e-400',
  '0.5',
  '-1',
  '2147483648',
  '9007199254740993',
] as const;

/** Number spellings that are not JSON (only for query strings and params). */
const NOT_JSON_NUMBERS = ['NaN', 'Infinity', '-Infinity', '0x10', '1_000', ' 1', '1e', '', '+1'] as const;

/** A query or path value that a number parser may choke on. */
export const hostileNumberText: fc.Arbitrary<string> = fc.constantFrom(...NUMBER_TEXTS, ...NOT_JSON_NUMBERS);

/** JSON text for a string value (JSON.stringify escapes lone surrogates as `\udXXX`). */
export const jsonString = (value: string): string => JSON.stringify(value);

/** `depth` nested arrays or objects: `[[[…]]]` or `{"a":{"a":…}}`. */
export function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A JSON string of about 1 MB: past every text limit, at the body limit's edge. */
const hugeString = fc
  .constantFrom(1_048_000, 1_048_576, 600_000)
  .map((length) => jsonString('\u00e9'.repeat(Math.floor(length / 2))));

/**
 * JSON text of a value of the wrong kind, shape or size: hostile strings, huge and non-finite
 * numbers, prototype-polluting objects, deep nesting and (rarely) 1 MB strings.
 */
export const hostileJson: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: hostileString().map(jsonString) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
  { weight: 2, arbitrary: fc.double().map((value) => (Number.isFinite(value) ? String(value) : '1e309')) },
  { weight: 2, arbitrary: fc.constantFrom('null', 'true', 'false', '[]', '{}', '""', '0') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"__proto__":null}',
      '[{"__proto__":[]}]',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 20, max: 10_000 }), fc.constantFrom('array' as const, 'object' as const))
      .map(([depth, kind]) => nested(depth, kind)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 199 }).chain((n) => (n === 0 ? hugeString : fc.constant('"x"'))),
  },
);

/** Object keys, with the ones that pollute prototypes or break text handling among them. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 10 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
  },
  { weight: 2, arbitrary: hostileString(3) },
);

/** JSON text of an object with the given `[key, JSON text]` entries (keys may repeat). */
export const jsonObject = (entries: readonly (readonly [string, string])[]): string =>
  `{${entries.map(([key, value]) => `${jsonString(key)}:${value}`).join(',')}}`;

/**
 * Percent-encodes `text` for a path segment or query value. Unlike encodeURIComponent it does not
 * throw on lone surrogates: it writes their (invalid) three-byte UTF-8 form, as `%ED%A0%80`.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
      out += bytes.map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** Raw escapes that are not valid UTF-8 or not escapes at all: `%ED%A0%80`, `%C0%AF`, `%FF`, `%`, `%zz`. */
export const badEscape: fc.Arbitrary<string> = fc.constantFrom(
  '%ED%A0%80',
  '%C0%AF',
  '%FF',
  '%',
  '%zz',
  '%00',
  '%E2%82',
);

/**
 * A path segment: mostly a plausible id, else hostile text percent-encoded, a bad escape, or a long
 * run (over fastify's 100-character parameter limit and the schemas' maxLength).
 */
export function pathSegment(plausible: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: plausible.map(percentEncode) },
    { weight: 3, arbitrary: hostileString(4).map(percentEncode) },
    {
      weight: 1,
      arbitrary: fc.tuple(plausible, badEscape).map(([id, bad]) => `${percentEncode(id)}${bad}`),
    },
    { weight: 1, arbitrary: fc.integer({ min: 90, max: 400 }).map((length) => 'x'.repeat(length)) },
  );
}

/**
 * A query string over `known` fields (each with its own value arbitrary) plus unknown and repeated
 * keys, hostile numbers and bad escapes. Starts with `?` unless empty.
 */
export function queryString(known: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const names = Object.keys(known);
  const pair: fc.Arbitrary<string> = fc.oneof(
    ...(names.length > 0
      ? [
          {
            weight: 6,
            arbitrary: fc
              .constantFrom(...names)
              .chain((name) =>
                fc
                  .oneof(
                    { weight: 3, arbitrary: known[name] as fc.Arbitrary<string> },
                    { weight: 2, arbitrary: hostileNumberText },
                    { weight: 2, arbitrary: hostileString(3) },
                  )
                  .map((value) => `${name}=${percentEncode(value)}`),
              ),
          },
        ]
      : []),
    {
      weight: 1,
      arbitrary: fc
        .tuple(hostileKey, hostileString(2))
        .map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`),
    },
    { weight: 1, arbitrary: badEscape.map((bad) => `${names[0] ?? 'q'}=${bad}`) },
  );
  return fc.array(pair, { maxLength: 4 }).map((pairs) => (pairs.length > 0 ? `?${pairs.join('&')}` : ''));
}

/**
 * Up to `max` of the optional fields in `options` (name → JSON text of a value), each swapped for a
 * hostile value 1 time in 6 when `hostile`: the `[name, JSON text]` entries of a request body.
 */
export function someOptions(options: Record<string, fc.Arbitrary<string>>, hostile: boolean, max = 4) {
  return fc.subarray(Object.keys(options), { maxLength: max }).chain((names) =>
    fc.tuple(
      ...names.map((name) => {
        const value = options[name] as fc.Arbitrary<string>;
        return (
          hostile ? fc.oneof({ weight: 5, arbitrary: value }, { weight: 1, arbitrary: hostileJson }) : value
        ).map((text) => [name, text] as const);
      }),
    ),
  );
}
