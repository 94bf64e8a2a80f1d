/**
 * The web chat's frames (JSON text frames of `GET /api/v1/ws/chat`), as the README's "WebSocket
 * chat" section documents them, and the reading of the client's frames: a bad frame becomes an
 * `error` frame naming the field, never an exception.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { USER_ROLES } from '../../src/core/chat-event.js';

/** A session id: what the client may pick to come back to a conversation (its context). */
export const SESSION_ID_PATTERN = '^[A-Za-z0-9_-]{8,64}$';

const HelloFrame = Type.Object(
  {
    type: Type.Literal('hello'),
    /** The admin key, an API key or a client key: never in the URL. */
    key: Type.String({ minLength: 1, maxLength: 512 }),
    community_id: Type.String({ minLength: 1, maxLength: 256 }),
    session_id: Type.Optional(Type.String({ pattern: SESSION_ID_PATTERN })),
    personality: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** Roles to speak with (admin and API keys only; a client key speaks as a viewer). */
    roles: Type.Optional(
      Type.Array(Type.Union(USER_ROLES.map((role) => Type.Literal(role))), { maxItems: 5 }),
    ),
  },
  { additionalProperties: false },
);

const MessageFrame = Type.Object(
  {
    type: Type.Literal('message'),
    text: Type.String({ minLength: 1 }),
    client_message_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);

const PingFrame = Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false });

export type HelloFrame = Static<typeof HelloFrame>;
export type MessageFrame = Static<typeof MessageFrame>;
export type ClientFrame = HelloFrame | MessageFrame | Static<typeof PingFrame>;

/** What the server sends. Field names in snake_case, as the rest of chatgate's API. */
export type ServerFrame =
  | {
      type: 'ready';
      session_id: string;
      community_id: string;
      user_id: string;
      personality?: string;
      /** What `personality` may name: the configured personalities, then `random`. */
      personalities: string[];
    }
  | {
      type: 'ack';
      interaction_id: string;
      status: 'queued' | 'ignored' | 'rejected';
      reason?: string;
      retry_after?: number;
      client_message_id?: string;
    }
  | { type: 'delta'; interaction_id: string; text: string; replace?: true }
  | {
      type: 'done';
      interaction_id: string;
      text: string;
      provider?: string;
      model?: string;
      mode?: string;
      fallback_reason?: string;
      blocked?: string;
    }
  | {
      type: 'error';
      code: string;
      detail: string;
      field?: string;
      interaction_id?: string;
      client_message_id?: string;
      reason?: string;
      /** With `rate_limit_exceeded`: seconds until the key's limit resets. */
      retry_after?: number;
    }
  | { type: 'pong' };

/** A client frame that could not be read: the field at fault and why. */
export interface FrameFault {
  field: string;
  detail: string;
}

const SCHEMAS: Record<ClientFrame['type'], TSchema> = {
  hello: HelloFrame,
  message: MessageFrame,
  ping: PingFrame,
};
const CHECKERS = Object.fromEntries(
  Object.entries(SCHEMAS).map(([type, schema]) => [type, Compile(schema)]),
) as Record<ClientFrame['type'], ReturnType<typeof Compile>>;

/**
 * Reads one text frame.
 * @param maxTextChars the longest `text` of a message, chars.
 * @returns the frame, or the first field at fault (`frame` when it is not a JSON object).
 */
export function readFrame(data: string, maxTextChars: number): ClientFrame | FrameFault {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { field: 'frame', detail: 'must be a JSON object' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { field: 'frame', detail: 'must be a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type)) {
    return { field: 'type', detail: `must be one of ${Object.keys(SCHEMAS).join('|')}` };
  }
  const checker = CHECKERS[type as ClientFrame['type']];
  if (!checker.Check(value)) return faultOf(checker.Errors(value), value);
  const frame = value as ClientFrame;
  if (frame.type === 'message' && frame.text.length > maxTextChars) {
    return { field: 'text', detail: `must be at most ${maxTextChars} characters` };
  }
  for (const [field, text] of Object.entries(frame)) {
    // Ids and the key are refused when not well-formed; free text is mended (see `mendText`).
    if (typeof text === 'string' && field !== 'text' && textFault(text)) {
      return { field, detail: textFault(text) as string };
    }
  }
  return frame.type === 'message' ? { ...frame, text: mendText(frame.text) } : frame;
}

/** True when `read` is a fault, not a frame. */
export function isFault(read: ClientFrame | FrameFault): read is FrameFault {
  return 'field' in read && 'detail' in read && !('type' in read);
}

function faultOf(
  errors: Iterable<{ instancePath: string; keyword: string; message: string; params: unknown }>,
  value: unknown,
): FrameFault {
  for (const error of errors) {
    const params = error.params as Record<string, unknown>;
    const path = error.instancePath.slice(1).replaceAll('/', '.');
    if (error.keyword === 'additionalProperties' && Array.isArray(params.additionalProperties)) {
      return { field: String(params.additionalProperties[0]), detail: 'is not a field of this frame' };
    }
    if (error.keyword === 'required' && Array.isArray(params.requiredProperties)) {
      const missing = params.requiredProperties.find((name) => !Object.hasOwn(value as object, String(name)));
      return { field: String(missing ?? path), detail: 'is required' };
    }
    if (error.keyword === 'pattern' && path === 'session_id') {
      return { field: path, detail: 'must be 8 to 64 characters of A-Z, a-z, 0-9, _ and -' };
    }
    return { field: path || 'frame', detail: error.message };
  }
  return { field: 'frame', detail: 'is invalid' };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why an id cannot be used as it is (NUL, lone surrogates: they break keys in Redis and SQL). */
function textFault(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be well-formed Unicode (it has a lone surrogate)';
  return undefined;
}

/** Chat text made storable: NUL dropped, lone surrogates replaced by U+FFFD. */
function mendText(text: string): string {
  if (!textFault(text)) return text;
  return text.replaceAll('\u0000', '').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}
