import Type, { type Static } from 'typebox';
import type { ChannelOverride, PresenceOverrides } from '../../community/presence-settings.js';
import { withoutUndefined } from '../../core/without-undefined.js';
import { textFault } from './safe-text.js';
import { TriggersPatch, triggerOverridesJson, triggerOverridesOf } from './trigger-patch.js';

/**
 * The presence fields of a community config body (`stream_replies`, `background_context`,
 * `channels`), in the API's snake_case, and their mapping to `PresenceOverrides`. At most 100
 * channel overrides: each is looked up for every chat line of its community.
 */

const ChannelBody = Type.Object(
  {
    personality: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    system_prompt: Type.Optional(Type.String({ maxLength: 4000 })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    triggers: Type.Optional(TriggersPatch),
  },
  { additionalProperties: false },
);

/** A platform channel id: the `channel_id` of its events, no control characters. */
const CHANNEL_ID_PATTERN = '^[^\\u0000-\\u001f\\u007f]{1,100}$';

export const PresenceBodyFields = {
  /** Stream replies into the chat as they are written (Telegram, Discord); Twitch sends whole messages. */
  stream_replies: Type.Optional(Type.Boolean()),
  /** The channel's unaddressed chatter shown to the next answer; 0 turns it off. */
  background_context: Type.Optional(
    Type.Object(
      {
        messages: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
        max_age_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
      },
      { additionalProperties: false },
    ),
  ),
  /** Per-channel persona, model and triggers, by channel id; a PATCH's `null` removes one. */
  channels: Type.Optional(
    Type.Record(Type.String({ pattern: CHANNEL_ID_PATTERN }), Type.Union([ChannelBody, Type.Null()]), {
      maxProperties: 100,
    }),
  ),
};

const PresenceBody = Type.Object(PresenceBodyFields);
type PresenceBody = Static<typeof PresenceBody>;

/**
 * `channels.<id>: …` for each channel id that is not 1–100 chars without control characters, or
 * not well-formed Unicode. Checked here: the schema's key pattern is not applied to a record's
 * keys, and PostgreSQL's jsonb refuses a NUL or a lone surrogate that would otherwise reach it as
 * a key.
 */
export function channelIdIssues(input: PresenceBody): string[] {
  const valid = new RegExp(CHANNEL_ID_PATTERN, 'u');
  return Object.keys(input.channels ?? {})
    .filter((id) => !valid.test(id) || textFault(id) !== undefined)
    .map(
      (id) =>
        `channels.${JSON.stringify(id).slice(1, -1)}: a channel id is 1–100 characters of well-formed Unicode, no control characters`,
    );
}

/** The personality names a body sets, with the field that sets each (`channels.123.personality`). */
export function channelPersonalities(input: PresenceBody): [field: string, name: string][] {
  return Object.entries(input.channels ?? {}).flatMap(([id, channel]) =>
    channel?.personality ? [[`channels.${id}.personality`, channel.personality] as [string, string]] : [],
  );
}

/** The presence overrides of a validated body; fields it leaves out stay undefined. */
export function presenceOverridesOf(input: PresenceBody): PresenceOverrides {
  const { background_context: b, channels } = input;
  return withoutUndefined({
    streamReplies: input.stream_replies,
    backgroundContext: b && withoutUndefined({ messages: b.messages, maxAgeMs: b.max_age_ms }),
    channels:
      channels &&
      Object.fromEntries(
        Object.entries(channels).map(([id, channel]) => [
          id,
          channel === null
            ? null
            : withoutUndefined<ChannelOverride>({
                personality: channel.personality,
                systemPrompt: channel.system_prompt,
                model: channel.model,
                triggers: channel.triggers && triggerOverridesOf(channel.triggers),
              }),
        ]),
      ),
  });
}

/** The stored presence overrides as JSON (snake_case); an unset field is `null` (defaults apply). */
export function presenceJson(stored: PresenceOverrides | undefined) {
  const b = stored?.backgroundContext;
  return {
    stream_replies: stored?.streamReplies ?? null,
    background_context: b ? withoutUndefined({ messages: b.messages, max_age_ms: b.maxAgeMs }) : null,
    channels: stored?.channels
      ? Object.fromEntries(
          Object.entries(stored.channels).flatMap(([id, channel]) =>
            channel
              ? [
                  [
                    id,
                    withoutUndefined({
                      personality: channel.personality,
                      system_prompt: channel.systemPrompt,
                      model: channel.model,
                      triggers: channel.triggers && triggerOverridesJson(channel.triggers),
                    }),
                  ],
                ]
              : [],
          ),
        )
      : null,
  };
}
