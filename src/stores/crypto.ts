import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Same floor as `stores.secretKey` in the config schema. */
const MIN_SECRET_CHARS = 16;
const HKDF_SALT = 'chatgate';
const HKDF_INFO = 'chatgate/api-key/aes-256-gcm/v1';

/** An API key was to be stored (or read back) but `CHATGATE_SECRET_KEY` is not set. */
export class SecretKeyMissingError extends Error {
  override readonly name = 'SecretKeyMissingError';
  constructor() {
    super('CHATGATE_SECRET_KEY is not set: API keys cannot be stored or read without it');
  }
}

/** `CHATGATE_SECRET_KEY` is set but unusable (too short). */
export class SecretKeyInvalidError extends Error {
  override readonly name = 'SecretKeyInvalidError';
  constructor() {
    super(`CHATGATE_SECRET_KEY must be at least ${MIN_SECRET_CHARS} characters`);
  }
}

/**
 * A stored API key cannot be decrypted: `CHATGATE_SECRET_KEY` differs from the one it was stored
 * under, or the stored bytes were altered. The message names the community, never the key.
 */
export class ApiKeyDecryptError extends Error {
  override readonly name = 'ApiKeyDecryptError';
  constructor(
    readonly communityId: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot decrypt the API key of ${communityId}: CHATGATE_SECRET_KEY is not the key it was stored under, or the stored value is damaged`,
      options,
    );
  }
}

/**
 * AES-256-GCM for provider API keys at rest. The 32-byte key is derived from `CHATGATE_SECRET_KEY`
 * with HKDF-SHA256; each encryption draws a random 12-byte IV. The sealed form is
 * `iv (12 bytes) | tag (16 bytes) | ciphertext`, and the community id is bound in as additional
 * authenticated data, so a sealed key copied to another community's row does not decrypt.
 *
 * @example
 * const cipher = new ApiKeyCipher(process.env.CHATGATE_SECRET_KEY!);
 * const sealed = cipher.encrypt('sk-…', 'twitch:channel:1');
 * cipher.decrypt(sealed, 'twitch:channel:1'); // 'sk-…'
 */
export class ApiKeyCipher {
  private readonly key: Buffer;

  /** @throws SecretKeyInvalidError when `secretKey` is shorter than 16 characters. */
  constructor(secretKey: string) {
    if (secretKey.length < MIN_SECRET_CHARS) throw new SecretKeyInvalidError();
    this.key = Buffer.from(hkdfSync('sha256', secretKey, HKDF_SALT, HKDF_INFO, 32));
  }

  /** Seals `plain` for the community `context`; returns `iv | tag | ciphertext`. */
  encrypt(plain: string, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /**
   * Opens what `encrypt` sealed for the same `context`.
   * @throws ApiKeyDecryptError when the secret differs, the context differs or the bytes were altered.
   */
  decrypt(sealed: Uint8Array, context: string): string {
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new ApiKeyDecryptError(context);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return plain.toString('utf8');
    } catch (error) {
      throw new ApiKeyDecryptError(context, { cause: error });
    }
  }
}

/**
 * The last 4 characters shown to tell keys apart, or undefined for keys of 8 characters or fewer
 * (where 4 characters would give away half of the key or more).
 */
export function apiKeyLast4(apiKey: string): string | undefined {
  return apiKey.length > 8 ? apiKey.slice(-4) : undefined;
}
