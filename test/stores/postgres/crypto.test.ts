import { describe, expect, it } from 'vitest';
import {
  ApiKeyCipher,
  ApiKeyDecryptError,
  apiKeyLast4,
  SecretKeyInvalidError,
  SecretKeyMissingError,
} from '../../../src/stores/crypto.js';

const SECRET = 'a-test-secret-of-32-characters!!';
const KEY = 'sk-live-0123456789abcdef';

describe('ApiKeyCipher (AES-256-GCM)', () => {
  it('round-trips a key as iv (12) | tag (16) | ciphertext, with a fresh IV each time', () => {
    const cipher = new ApiKeyCipher(SECRET);
    const sealed = cipher.encrypt(KEY, 'c1');
    expect(sealed.byteLength).toBe(12 + 16 + KEY.length);
    expect(sealed.includes(Buffer.from(KEY))).toBe(false);
    expect(cipher.decrypt(sealed, 'c1')).toBe(KEY);
    expect(cipher.encrypt(KEY, 'c1').subarray(0, 12).equals(sealed.subarray(0, 12))).toBe(false);
    expect(new ApiKeyCipher(SECRET).decrypt(new Uint8Array(sealed), 'c1')).toBe(KEY);
  });

  it('fails clearly under another secret, another community, or altered bytes', () => {
    const sealed = new ApiKeyCipher(SECRET).encrypt(KEY, 'c1');
    const other = new ApiKeyCipher('another-secret-of-enough-length');
    expect(() => other.decrypt(sealed, 'c1')).toThrow(ApiKeyDecryptError);
    expect(() => other.decrypt(sealed, 'c1')).toThrow(/API key of c1: CHATGATE_SECRET_KEY is not the key/);
    expect(() => new ApiKeyCipher(SECRET).decrypt(sealed, 'c2')).toThrow(ApiKeyDecryptError);
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] = (altered.at(-1) ?? 0) ^ 1;
    expect(() => new ApiKeyCipher(SECRET).decrypt(altered, 'c1')).toThrow(ApiKeyDecryptError);
    expect(() => new ApiKeyCipher(SECRET).decrypt(new Uint8Array(5), 'c1')).toThrow(ApiKeyDecryptError);
  });

  it('needs a secret of at least 16 characters, and names CHATGATE_SECRET_KEY when it is missing', () => {
    expect(() => new ApiKeyCipher('too-short')).toThrow(SecretKeyInvalidError);
    expect(new SecretKeyMissingError().message).toMatch(/CHATGATE_SECRET_KEY is not set/);
  });

  it('shows the last 4 characters only of keys longer than 8', () => {
    expect(apiKeyLast4(KEY)).toBe('cdef');
    expect(apiKeyLast4('12345678')).toBeUndefined();
  });
});
