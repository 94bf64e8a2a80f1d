import Type from 'typebox';
import type { PlatformConfigSection } from '../../src/core/platform.js';

/**
 * `platforms.web`: the web chat (`GET /api/v1/ws/chat`, the console's playground). No credentials:
 * it starts always; callers sign in with their own key in the socket's first frame.
 */
export const WebConfigSchema = Type.Object({
  /** A socket with no frame either way for this long is closed (4408), ms. */
  idleTimeoutMs: Type.Integer({ minimum: 100, maximum: 86_400_000, env: 'WEB_CHAT_IDLE_TIMEOUT_MS' }),
  /** The `hello` frame must arrive within this long of the upgrade, else the socket closes (4408), ms. */
  helloTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, env: 'WEB_CHAT_HELLO_TIMEOUT_MS' }),
  /** Largest frame a client may send, bytes; a larger one closes the socket (1009, by `ws`). */
  maxFrameBytes: Type.Integer({ minimum: 1024, maximum: 1_048_576, env: 'WEB_CHAT_MAX_FRAME_BYTES' }),
  /** Longest `text` of a `message` frame, chars. */
  maxTextChars: Type.Integer({ minimum: 1, maximum: 100_000, env: 'WEB_CHAT_MAX_TEXT_CHARS' }),
  /** Messages of one socket not yet answered at once; more get an `error` frame (`busy`). */
  maxInFlight: Type.Integer({ minimum: 1, maximum: 1000, env: 'WEB_CHAT_MAX_IN_FLIGHT' }),
});

export type WebConfig = Type.Static<typeof WebConfigSchema>;

export const WEB_CONFIG: PlatformConfigSection<typeof WebConfigSchema> = {
  schema: WebConfigSchema,
  defaults: {
    idleTimeoutMs: 300_000,
    helloTimeoutMs: 10_000,
    maxFrameBytes: 16_384,
    maxTextChars: 4000,
    maxInFlight: 4,
  },
};
