import type { TriggerKind, TriggerSettings } from '../config/schema.js';
import { withoutUndefined } from '../core/without-undefined.js';

/**
 * How the bot is present in a chat (issue "Presence in chat"): whether replies stream into the
 * chat as they are written, how much of the channel's unaddressed chatter the next answer sees,
 * and per-channel personas. The service defaults live under `presence` in `config/default.yaml`;
 * a community overrides them in the config API (`stream_replies`, `background_context`,
 * `channels`, snake_case there).
 */

/** The channel's recent unaddressed chatter, given to the next answer as one untrusted block. */
export interface BackgroundContextSettings {
  /** At most this many lines (0 = off), newest kept. */
  messages: number;
  /** Lines older than this are left out and forgotten, ms (0 = off). */
  maxAgeMs: number;
}

/** The trigger settings a community (or one of its channels) may change, per trigger kind. */
export type TriggerOverrides = Partial<
  Record<
    TriggerKind,
    Partial<
      Pick<
        TriggerSettings,
        | 'enabled'
        | 'probability'
        | 'userCooldownMs'
        | 'channelCooldownMs'
        | 'minRole'
        | 'humanGraceMs'
        | 'rewardTitles'
      >
    >
  >
>;

/**
 * One channel's own persona, model and triggers inside its community (one deployment, several
 * personas). Unset fields are the community's.
 */
export interface ChannelOverride {
  /** One of the configured personalities, or `random`. */
  personality?: string;
  /** ≤ 4000 chars; wins over `personality`. */
  systemPrompt?: string;
  /** A model the community's provider serves. */
  model?: string;
  triggers?: TriggerOverrides;
}

/** What a community has chosen of its presence, resolved over the service defaults. */
export interface PresenceSettings {
  /**
   * Stream the reply into the chat as it is written, where the platform allows (Telegram drafts
   * and edits, Discord edits); Twitch, which cannot edit, gets whole messages either way.
   */
  streamReplies: boolean;
  backgroundContext: BackgroundContextSettings;
  /** Per-channel overrides, by the platform's channel id (`ChatEvent.channelId`). */
  channels: Record<string, ChannelOverride>;
}

/** A community's overrides of its presence settings; each set field wins. */
export interface PresenceOverrides {
  streamReplies?: boolean;
  backgroundContext?: Partial<BackgroundContextSettings>;
  /** A PATCH's `null` for a channel removes that channel's override. */
  channels?: Record<string, ChannelOverride | null>;
}

/** The service defaults, from `presence` in the configuration. */
export function defaultPresence(config: {
  streamReplies: boolean;
  backgroundContext: BackgroundContextSettings;
}): PresenceSettings {
  return {
    streamReplies: config.streamReplies,
    backgroundContext: { ...config.backgroundContext },
    channels: {},
  };
}

/** The presence settings of `base` with a community's `overrides` applied. */
export function applyPresenceOverrides(
  base: PresenceSettings,
  overrides: PresenceOverrides,
): PresenceSettings {
  const channels: Record<string, ChannelOverride> = {};
  for (const [id, channel] of Object.entries(overrides.channels ?? {})) if (channel) channels[id] = channel;
  return {
    streamReplies: overrides.streamReplies ?? base.streamReplies,
    backgroundContext: { ...base.backgroundContext, ...withoutUndefined(overrides.backgroundContext ?? {}) },
    channels: { ...base.channels, ...channels },
  };
}

/**
 * What a PATCH stores: `patch` over `base`. `background_context` merges field by field; `channels`
 * merges channel by channel (a `null` channel is removed; a channel's triggers merge per kind).
 */
export function mergePresenceOverrides(base: PresenceOverrides, patch: PresenceOverrides): PresenceOverrides {
  const merged: PresenceOverrides = {};
  const streamReplies = patch.streamReplies ?? base.streamReplies;
  if (streamReplies !== undefined) merged.streamReplies = streamReplies;
  if (base.backgroundContext || patch.backgroundContext) {
    merged.backgroundContext = {
      ...base.backgroundContext,
      ...withoutUndefined(patch.backgroundContext ?? {}),
    };
  }
  if (base.channels || patch.channels) {
    const channels: Record<string, ChannelOverride> = {};
    for (const [id, channel] of Object.entries(base.channels ?? {})) if (channel) channels[id] = channel;
    for (const [id, channel] of Object.entries(patch.channels ?? {})) {
      const current = channels[id];
      if (channel === null) delete channels[id];
      else if (current) channels[id] = mergeChannel(current, channel);
      else channels[id] = channel;
    }
    merged.channels = channels;
  }
  return merged;
}

function mergeChannel(base: ChannelOverride, patch: ChannelOverride): ChannelOverride {
  const merged: ChannelOverride = { ...base, ...withoutUndefined(patch) };
  if (base.triggers && patch.triggers) merged.triggers = mergeTriggerOverrides(base.triggers, patch.triggers);
  return merged;
}

/** `patch` over `base`, kind by kind, then setting by setting. */
export function mergeTriggerOverrides(base: TriggerOverrides, patch: TriggerOverrides): TriggerOverrides {
  const merged: TriggerOverrides = { ...base };
  for (const [kind, settings] of Object.entries(patch) as [TriggerKind, TriggerOverrides[TriggerKind]][]) {
    merged[kind] = { ...base[kind], ...withoutUndefined(settings ?? {}) };
  }
  return merged;
}
