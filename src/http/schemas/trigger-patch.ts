import Type, { type Static } from 'typebox';
import type { TriggerOverrides } from '../../community/presence-settings.js';
import { HumanGraceMs, TRIGGER_KINDS } from '../../config/schema.js';
import { withoutUndefined } from '../../core/without-undefined.js';
import { MIN_ROLES } from '../../safety/roles.js';

/** One trigger's settings in a config body (snake_case); each field it leaves out keeps its value. */
const TriggerPatch = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    user_cooldown_ms: Type.Optional(Type.Integer({ minimum: 0 })),
    channel_cooldown_ms: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The lowest role this trigger answers. */
    min_role: Type.Optional(Type.Enum(MIN_ROLES)),
    /** Wait this long, ms, and answer only if no human did (0 = off; 5,000–300,000). */
    human_grace_ms: Type.Optional(HumanGraceMs),
    /** Channel-point reward titles whose redemptions are answered (redemption trigger; [] = none). */
    reward_titles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 45 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

/** The `triggers` object of a community's (or a channel's) config body: settings by trigger kind. */
export const TriggersPatch = Type.Object(
  Object.fromEntries(TRIGGER_KINDS.map((kind) => [kind, Type.Optional(TriggerPatch)])),
  { additionalProperties: false },
);
type TriggersBody = Partial<Record<string, Static<typeof TriggerPatch>>>;

/** The trigger overrides of a validated `triggers` body. */
export function triggerOverridesOf(input: TriggersBody): TriggerOverrides {
  return Object.fromEntries(
    Object.entries(input).map(([kind, patch]) => [
      kind,
      withoutUndefined({
        enabled: patch?.enabled,
        probability: patch?.probability,
        userCooldownMs: patch?.user_cooldown_ms,
        channelCooldownMs: patch?.channel_cooldown_ms,
        minRole: patch?.min_role,
        humanGraceMs: patch?.human_grace_ms,
        rewardTitles: patch?.reward_titles,
      }),
    ]),
  );
}

/** Stored trigger overrides as JSON (snake_case). */
export function triggerOverridesJson(stored: TriggerOverrides) {
  return Object.fromEntries(
    Object.entries(stored).map(([kind, patch]) => [
      kind,
      withoutUndefined({
        enabled: patch?.enabled,
        probability: patch?.probability,
        user_cooldown_ms: patch?.userCooldownMs,
        channel_cooldown_ms: patch?.channelCooldownMs,
        min_role: patch?.minRole,
        human_grace_ms: patch?.humanGraceMs,
        reward_titles: patch?.rewardTitles,
      }),
    ]),
  );
}
