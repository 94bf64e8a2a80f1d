import { ValidationError } from '../../core/errors.js';

/**
 * A surrogate without its partner. Written without the `u` flag (which would read a lone surrogate
 * as a code point of its own) and instead of `String.prototype.isWellFormed`, which our ES2023 lib
 * does not declare.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Why `text` cannot be taken from a caller as it is, or undefined when it can. Text from callers
 * must be well-formed UTF-16 without NUL: PostgreSQL refuses NUL in `text` and `jsonb`, and a lone
 * surrogate becomes U+FFFD on its way to Redis or the database, so what was stored is not what was
 * asked for (a BullMQ job then cannot find its own key).
 */
export function textFault(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be well-formed Unicode (it has a lone surrogate)';
  return undefined;
}

/**
 * Throws a 400 naming `field` when `text` is not acceptable (see `textFault`).
 * @throws ValidationError `<field>: must not contain NUL …`.
 */
export function refuseUnsafeText(text: string, field: string): string {
  const fault = textFault(text);
  if (fault) throw new ValidationError(`${field}: ${fault}`, field);
  return text;
}

/**
 * Free text made acceptable instead of refused: NUL characters dropped, lone surrogates replaced
 * by U+FFFD (as `String.prototype.toWellFormed` does). For chat text and names, where a reader sees
 * no difference and losing the whole message would be worse; never for ids, where two distinct
 * ids could come out the same.
 */
export function normalizeText(text: string): string {
  if (textFault(text) === undefined) return text;
  return text.replaceAll('\u0000', '').replace(LONE_SURROGATES, '\uFFFD');
}

/**
 * The first string of a flat record (`params`, `querystring`) that `textFault` refuses, keys
 * included, as `<section>.<key>`; undefined when all are fine. Only one level is looked at: query
 * and path values are strings or arrays of strings.
 */
export function unsafeFieldOf(
  section: string,
  record: unknown,
): { field: string; fault: string } | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  for (const [key, value] of Object.entries(record)) {
    const keyFault = textFault(key);
    if (keyFault) return { field: `${section}.${JSON.stringify(key)}`, fault: `name ${keyFault}` };
    for (const item of Array.isArray(value) ? value : [value]) {
      const fault = typeof item === 'string' ? textFault(item) : undefined;
      if (fault) return { field: `${section}.${key}`, fault };
    }
  }
  return undefined;
}
