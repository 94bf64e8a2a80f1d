import { ValidationError } from '../../core/errors.js';

/**
 * Checks the strings about to become SQL `text` parameters. PostgreSQL refuses a NUL character in
 * `text` ("invalid byte sequence for encoding UTF8: 0x00"), which would reach the caller as a 500;
 * the HTTP edge refuses such input first, and this turns anything that slipped through (another
 * caller of the store, a platform adapter) into a clear 400. (Lone surrogates are not refused by
 * PostgreSQL: the drivers send them as U+FFFD. jsonb parameters are cleaned where they are built.)
 * @param fields the parameters by the name the error should give (`communityId`, `model` …);
 *   `undefined` and `null` are skipped.
 * @throws ValidationError `<field>: must not contain NUL (\u0000)` for the first one that does.
 */
export function refuseNulInSqlText(fields: Record<string, string | null | undefined>): void {
  for (const [field, value] of Object.entries(fields)) {
    if (value?.includes('\u0000')) {
      throw new ValidationError(`${field}: must not contain NUL (\\u0000)`, field);
    }
  }
}
