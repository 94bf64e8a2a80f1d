import type { ChatEvent } from '../../core/chat-event.js';
import type { Trigger, TriggerContext, TriggerMatch } from './trigger.js';

/**
 * Channel-point redemptions (`type: 'redemption'`) of the rewards the community named in
 * `settings.rewardTitles` (compared trimmed and case-insensitively with `meta.rewardTitle`); the
 * viewer's input (`text`) is what the model answers. No titles = no redemption is answered, and a
 * redemption without input has nothing to answer.
 * @example
 * redemptionTrigger.match(
 *   { ...event, type: 'redemption', text: 'why is the sky blue', meta: { rewardTitle: 'Ask the AI' } },
 *   { botNames: [], settings: { ...settings, rewardTitles: ['ask the ai'] } },
 * ); // { kind: 'redemption', text: 'why is the sky blue' }
 */
export const redemptionTrigger: Trigger = {
  kind: 'redemption',
  match(event: ChatEvent, { settings }: TriggerContext): TriggerMatch | undefined {
    if (event.type !== 'redemption') return undefined;
    const title = event.meta.rewardTitle;
    if (typeof title !== 'string' || event.text.trim() === '') return undefined;
    const wanted = title.trim().toLowerCase();
    const named = (settings.rewardTitles ?? []).some((name) => name.trim().toLowerCase() === wanted);
    return named ? { kind: 'redemption', text: event.text } : undefined;
  },
};
