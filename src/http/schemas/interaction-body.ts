import { randomUUID } from 'node:crypto';
import Type, { type Static, type TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import Value from 'typebox/value';
import {
  CHAT_EVENT_TYPES,
  type ChatEvent,
  type ChatEventType,
  PLATFORMS,
  USER_ROLES,
} from '../../core/chat-event.js';
import { ValidationError } from '../../core/errors.js';
import { normalizeText, refuseUnsafeText } from './safe-text.js';

const Id = Type.String({ minLength: 1, maxLength: 256 });
const CallbackUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 });

/** A ChatEvent as JSON (snake_case), as external collectors post it. */
export const ChatEventBodySchema = Type.Object(
  {
    id: Type.Optional(Id),
    platform: Type.Enum(PLATFORMS),
    type: Type.Optional(Type.Enum(CHAT_EVENT_TYPES)),
    community_id: Id,
    channel_id: Id,
    thread_id: Type.Optional(Id),
    message_id: Type.Optional(Id),
    text: Type.Optional(Type.String()),
    user: Type.Object({
      id: Id,
      login: Type.Optional(Type.String({ maxLength: 256 })),
      display_name: Type.Optional(Type.String({ maxLength: 256 })),
      is_bot: Type.Optional(Type.Boolean()),
      roles: Type.Optional(Type.Array(Type.Enum(USER_ROLES))),
    }),
    is_direct: Type.Optional(Type.Boolean()),
    mentions_bot: Type.Optional(Type.Boolean()),
    reply_to: Type.Optional(
      Type.Object({ message_id: Id, user_id: Type.Optional(Id), is_bot: Type.Optional(Type.Boolean()) }),
    ),
    meta: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    ),
    callback_url: Type.Optional(CallbackUrl),
  },
  { title: 'ChatEventBody' },
);

/**
 * WaddleBot's router fields. `message_type` values follow its router: `chatMessage`, `subscription`,
 * `resub`, `subgift`, `raid`, `cheer`, `follow`, `member_join` (and our own event types).
 */
export const RouterBodySchema = Type.Object(
  {
    session_id: Id,
    message_type: Type.String({ minLength: 1 }),
    message_content: Type.Optional(Type.String()),
    user_id: Id,
    entity_id: Id,
    platform: Type.Enum(PLATFORMS),
    username: Type.Optional(Type.String({ maxLength: 256 })),
    display_name: Type.Optional(Type.String({ maxLength: 256 })),
    callback_url: Type.Optional(CallbackUrl),
  },
  { title: 'RouterEventBody' },
);

const ROUTER_MESSAGE_TYPES: Record<string, ChatEventType> = {
  chatMessage: 'message',
  chat: 'message',
  bits: 'cheer',
  ...Object.fromEntries(CHAT_EVENT_TYPES.map((type) => [type, type])),
};

// Compiled once: the ack path checks every body, and only a failed check pays for the error list.
const chatEventBody = Compile(ChatEventBodySchema);
const routerBody = Compile(RouterBodySchema);

/** A parsed interaction request: the event, and where its reply goes. */
export interface ParsedInteraction {
  event: ChatEvent;
  callbackUrl?: string;
  sessionId?: string;
}

/**
 * Reads `POST /api/v1/ai/interaction`'s body: WaddleBot router fields when `message_type` or
 * `session_id` is present, else a snake_case ChatEvent.
 * @param maxTextChars longest accepted text, chars.
 * @throws ValidationError naming the first field at fault (dotted path, e.g. `user.id`).
 */
export function parseInteractionBody(body: unknown, maxTextChars: number): ParsedInteraction {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('body: must be a JSON object', 'body');
  }
  const now = Date.now();
  if ('message_type' in body || 'session_id' in body) {
    const input = safeRouterFields(check(routerBody, body));
    const type = ROUTER_MESSAGE_TYPES[input.message_type];
    if (!type) {
      throw new ValidationError(
        `message_type: must be one of ${Object.keys(ROUTER_MESSAGE_TYPES).join('|')}`,
        'message_type',
      );
    }
    const text = checkText(input.message_content ?? '', 'message_content', maxTextChars);
    const login = input.username ?? '';
    return {
      event: {
        id: `${input.platform}:${input.session_id}`,
        platform: input.platform,
        type,
        communityId: input.entity_id,
        channelId: input.entity_id,
        text,
        user: { id: input.user_id, login, displayName: input.display_name ?? login, isBot: false, roles: [] },
        isDirect: false,
        mentionsBot: false,
        meta: {},
        receivedAt: now,
      },
      callbackUrl: input.callback_url,
      sessionId: input.session_id,
    };
  }
  const input = safeChatEventFields(check(chatEventBody, body));
  const login = input.user.login ?? '';
  return {
    event: {
      id: input.id ?? `${input.platform}:${input.message_id ?? randomUUID()}`,
      platform: input.platform,
      type: input.type ?? 'message',
      communityId: input.community_id,
      channelId: input.channel_id,
      threadId: input.thread_id,
      messageId: input.message_id,
      text: checkText(input.text ?? '', 'text', maxTextChars),
      user: {
        id: input.user.id,
        login,
        displayName: input.user.display_name ?? login,
        isBot: input.user.is_bot ?? false,
        roles: input.user.roles ?? [],
      },
      isDirect: input.is_direct ?? false,
      mentionsBot: input.mentions_bot ?? false,
      replyTo: input.reply_to
        ? {
            messageId: input.reply_to.message_id,
            userId: input.reply_to.user_id,
            isBot: input.reply_to.is_bot ?? false,
          }
        : undefined,
      meta: input.meta ?? {},
      receivedAt: now,
    },
    callbackUrl: input.callback_url,
  };
}

function check<T extends TSchema>(validator: Validator<Record<string, never>, T>, value: unknown): Static<T> {
  if (validator.Check(value)) return value as Static<T>;
  const [first] = validator.Errors(value);
  if (!first) throw new ValidationError('body: is invalid', 'body');
  const params = first.params as Record<string, unknown>;
  const path = first.instancePath.slice(1).replaceAll('/', '.');
  if (first.keyword === 'required' && Array.isArray(params.requiredProperties)) {
    const missing = params.requiredProperties.filter(
      (name) => !(name in (Value.Pointer.Get(value, first.instancePath) as object)),
    );
    const field = [path, missing[0]].filter(Boolean).join('.');
    throw new ValidationError(`${field}: is required`, field);
  }
  const message =
    first.keyword === 'enum' && Array.isArray(params.allowedValues)
      ? `must be one of ${params.allowedValues.join('|')}`
      : first.message;
  throw new ValidationError(`${path || 'body'}: ${message}`, path || 'body');
}

/*
 * Text from callers must be well-formed UTF-16 without NUL (see `textFault`). Ids, and the names of
 * `meta` keys, are refused with a 400: they are keys (dedupe, Redis, BullMQ job ids, SQL), and made
 * over they could turn two distinct ids into one. Free text (the message, the user's names, `meta`
 * values) is normalized instead: a collector that cut an emoji in half should still get its message
 * answered, and a reader sees no difference.
 */

/** The router fields with ids checked and free text normalized. */
function safeRouterFields(input: Static<typeof RouterBodySchema>): Static<typeof RouterBodySchema> {
  for (const field of ['session_id', 'user_id', 'entity_id', 'message_type', 'callback_url'] as const) {
    const value = input[field];
    if (value !== undefined) refuseUnsafeText(value, field);
  }
  return {
    ...input,
    message_content: optionalText(input.message_content),
    username: optionalText(input.username),
    display_name: optionalText(input.display_name),
  };
}

/** The ChatEvent fields with ids and `meta` keys checked and free text normalized. */
function safeChatEventFields(input: Static<typeof ChatEventBodySchema>): Static<typeof ChatEventBodySchema> {
  const ids = {
    id: input.id,
    community_id: input.community_id,
    channel_id: input.channel_id,
    thread_id: input.thread_id,
    message_id: input.message_id,
    'user.id': input.user.id,
    'reply_to.message_id': input.reply_to?.message_id,
    'reply_to.user_id': input.reply_to?.user_id,
    callback_url: input.callback_url,
  };
  for (const [field, value] of Object.entries(ids)) if (value !== undefined) refuseUnsafeText(value, field);
  const meta = input.meta
    ? Object.fromEntries(
        Object.entries(input.meta).map(([key, value]) => {
          refuseUnsafeText(key, `meta.${JSON.stringify(key)}`);
          return [key, typeof value === 'string' ? normalizeText(value) : value];
        }),
      )
    : undefined;
  return {
    ...input,
    text: optionalText(input.text),
    user: {
      ...input.user,
      login: optionalText(input.user.login),
      display_name: optionalText(input.user.display_name),
    },
    meta,
  };
}

const optionalText = (text: string | undefined) => (text === undefined ? undefined : normalizeText(text));

function checkText(text: string, field: string, maxChars: number): string {
  if (text.length > maxChars)
    throw new ValidationError(`${field}: must be at most ${maxChars} characters`, field);
  return text;
}
