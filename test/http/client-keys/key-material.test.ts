import { describe, expect, it } from 'vitest';
import {
  hashKey,
  isClientKeyShaped,
  KEY_LENGTH,
  newClientKey,
} from '../../../src/http/client-keys/key-material.js';

describe('client key material', () => {
  it('makes distinct cg_ keys of 43 base62 chars whose checksum holds, and stores only their hash', () => {
    const keys = Array.from({ length: 200 }, () => newClientKey());
    expect(new Set(keys.map((k) => k.key)).size).toBe(200);
    for (const { key, keyHash, keyPrefix } of keys) {
      expect(key).toMatch(/^cg_[0-9A-Za-z]{40}$/);
      expect(key).toHaveLength(KEY_LENGTH);
      expect(isClientKeyShaped(key)).toBe(true);
      expect(keyHash).toBe(hashKey(key));
      expect(keyHash).toMatch(/^[0-9a-f]{64}$/);
      expect(keyPrefix).toBe(key.slice(0, 8));
    }
  });

  it('spreads the random chars over all 62 symbols', () => {
    const seen = new Set(
      Array.from({ length: 300 }, () => newClientKey().key.slice(3, 37))
        .join('')
        .split(''),
    );
    expect(seen.size).toBe(62);
  });

  it('refuses any one-char change, and what is not a key', () => {
    const { key } = newClientKey();
    for (let i = 3; i < key.length; i++) {
      const swapped = key[i] === 'a' ? 'b' : 'a';
      expect(isClientKeyShaped(`${key.slice(0, i)}${swapped}${key.slice(i + 1)}`)).toBe(false);
    }
    for (const token of [
      '',
      'cg_',
      `sk_${key.slice(3)}`,
      `${key}x`,
      key.slice(0, -1),
      `cg_${'!'.repeat(40)}`,
    ]) {
      expect(isClientKeyShaped(token)).toBe(false);
    }
  });
});
