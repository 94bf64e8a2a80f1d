import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** What every client key starts with, so that a leaked one is recognisable (secret scanners). */
export const KEY_PREFIX = 'cg_';
/** Random base62 chars of a key: 34 × log2(62) ≈ 202 bits. */
const RANDOM_CHARS = 34;
/** Base62 chars of the CRC-32 of the random part (62^6 > 2^32). */
const CHECK_CHARS = 6;
/** Chars of a key shown in lists (`cg_` and 5 random ones): enough to tell keys apart. */
const SHOWN_CHARS = 8;
/** The whole key: `cg_` + 34 random + 6 check chars = 43 chars. */
export const KEY_LENGTH = KEY_PREFIX.length + RANDOM_CHARS + CHECK_CHARS;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_SHAPE = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${RANDOM_CHARS + CHECK_CHARS}}$`);

/** A new key and what is stored of it. */
export interface NewKey {
  /** The key, shown to the operator once and never stored. */
  key: string;
  /** SHA-256 of `key`, lower-case hex. */
  keyHash: string;
  /** `key`'s first 8 chars. */
  keyPrefix: string;
}

/** `count` uniform base62 chars from the CSPRNG (bytes ≥ 248 are dropped so that none is favoured). */
function randomBase62(count: number): string {
  let out = '';
  while (out.length < count) {
    for (const byte of randomBytes(count * 2)) {
      if (byte < 248 && out.length < count) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** `value` (an unsigned 32-bit integer) as exactly `width` base62 chars. */
function base62(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

const checkOf = (random: string) => base62(crc32(random), CHECK_CHARS);

/**
 * A new client key: `cg_`, 34 random base62 chars, and 6 chars of checksum (CRC-32 of the random
 * part, as GitHub's tokens carry one), so that a mistyped or made-up key is refused without a
 * database look-up.
 */
export function newClientKey(): NewKey {
  const random = randomBase62(RANDOM_CHARS);
  const key = `${KEY_PREFIX}${random}${checkOf(random)}`;
  return { key, keyHash: hashKey(key), keyPrefix: key.slice(0, SHOWN_CHARS) };
}

/** SHA-256 of `key`, lower-case hex: how stored keys are looked up. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** True when `token` has a client key's shape (`cg_` + 40 base62), checksum included. */
export function isClientKeyShaped(token: string): boolean {
  if (token.length !== KEY_LENGTH || !KEY_SHAPE.test(token)) return false;
  const random = token.slice(KEY_PREFIX.length, KEY_PREFIX.length + RANDOM_CHARS);
  return token.slice(KEY_PREFIX.length + RANDOM_CHARS) === checkOf(random);
}
