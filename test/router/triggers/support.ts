import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { TriggerKind, TriggerSettings } from '../../../src/config/schema.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import type { TriggerContext } from '../../../src/router/triggers/trigger.js';
import { type ChatEventOverrides, chatEvent } from '../../support/events.js';

/** The `triggers` section of the config, typed by hand (the schema's static type widens the kinds). */
export interface TriggerDefaults {
  order: TriggerKind[];
  kinds: Record<TriggerKind, TriggerSettings>;
}

/** The committed trigger defaults, read from config/default.yaml (not a copy). */
export function loadTriggerDefaults(): TriggerDefaults {
  const text = readFileSync(new URL('../../../config/default.yaml', import.meta.url), 'utf8');
  const parsed: { triggers: TriggerDefaults } = parse(text);
  return parsed.triggers;
}

export const BOT_NAMES = ['chatgate'] as const;

/** The default settings of one trigger kind; throws if the defaults lack it. */
export function defaultSettings(kind: TriggerKind): TriggerSettings {
  const settings = loadTriggerDefaults().kinds[kind];
  if (!settings) throw new Error(`config/default.yaml has no settings for ${kind}`);
  return settings;
}

/** A trigger context with the default settings of `kind` and the bot named `chatgate`. */
export function contextFor(kind: TriggerKind): TriggerContext {
  return { botNames: BOT_NAMES, settings: defaultSettings(kind) };
}

/** A plain Twitch chat message by `alice` (the shared `chatEvent`), with any field overridden. */
export function makeEvent(overrides: ChatEventOverrides = {}): ChatEvent {
  return chatEvent({
    id: 'twitch:m1',
    platform: 'twitch',
    communityId: 'twitch:channel:1',
    channelId: 'somechannel',
    text: '',
    receivedAt: 0,
    ...overrides,
    user: { login: 'alice', displayName: 'Alice', ...overrides.user },
  });
}

/** A message event with `text`. */
export const message = (text: string, overrides: Partial<ChatEvent> = {}): ChatEvent =>
  makeEvent({ text, ...overrides });
