import type { TriggerKind, TriggerSettings } from '../../config/schema.js';
import type { ChatEvent } from '../../core/chat-event.js';
import { commandTrigger } from './command.js';
import { farewellTrigger } from './farewell.js';
import { greetingTrigger } from './greeting.js';
import { mentionTrigger } from './mention.js';
import { questionTrigger } from './question.js';
import { redemptionTrigger } from './redemption.js';
import { streamEventTrigger } from './stream-event.js';
import type { Trigger, TriggerMatch } from './trigger.js';

/** Every trigger, by kind. */
export const TRIGGERS: Readonly<Record<TriggerKind, Trigger>> = Object.freeze({
  mention: mentionTrigger,
  command: commandTrigger,
  greeting: greetingTrigger,
  farewell: farewellTrigger,
  question: questionTrigger,
  subscription: streamEventTrigger('subscription'),
  resub: streamEventTrigger('resub'),
  subgift: streamEventTrigger('subgift'),
  submysterygift: streamEventTrigger('submysterygift'),
  raid: streamEventTrigger('raid'),
  cheer: streamEventTrigger('cheer'),
  follow: streamEventTrigger('follow'),
  redemption: redemptionTrigger,
});

/**
 * The first match among the triggers named in `order`, trying each in turn and skipping kinds that
 * are disabled or have no settings; undefined when none matches. Pure: probability and cooldowns
 * are the router's.
 * @param botNames the names the bot answers to, lower case, without `@`.
 * @example matchTrigger(event, config.triggers.order, config.triggers.kinds, ['chatgate'])
 */
export function matchTrigger(
  event: ChatEvent,
  order: readonly TriggerKind[],
  settingsByKind: Readonly<Partial<Record<TriggerKind, TriggerSettings>>>,
  botNames: readonly string[],
): TriggerMatch | undefined {
  for (const kind of order) {
    const settings = settingsByKind[kind];
    if (!settings?.enabled) continue;
    const found = TRIGGERS[kind].match(event, { botNames, settings });
    if (found) return found;
  }
  return undefined;
}

export { isQuestion } from './question.js';
export { streamEventTrigger } from './stream-event.js';
export type { Trigger, TriggerContext, TriggerMatch } from './trigger.js';
export { compileWordMatcher, namesBot } from './words.js';
