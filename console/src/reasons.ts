/** Why an event was not answered, in words (the router's, guards' and worker's reasons). */
const REASONS: Record<string, string> = {
  no_trigger: 'No trigger matched (not addressed to the bot, no command, greeting or question).',
  cooldown: 'A per-user or per-channel cooldown was running.',
  probability: 'The trigger matched, but its response probability said no this time.',
  reply_cap: 'The channel reached its cap of bot replies.',
  budget: 'The community or user spent its token budget.',
  role: 'The user lacks the trigger’s minimum role.',
  blocked_term: 'The message contains a blocked term.',
  paused: 'The bot is paused in this channel or community (!ai off, or the console’s switch).',
  moderated: 'The user was banned or timed out, or the message was deleted.',
  answered_by_human: 'A human answered first, within the human grace time.',
  duplicate: 'The same event arrived twice; the first one counts.',
  self: 'The bot’s own message.',
  bot: 'Another bot’s message that did not address this one.',
  disabled: 'The bot is switched off for this community.',
  loop_guard: 'The loop guard stopped a bot-to-bot exchange.',
  command: 'A moderator command, handled without the model.',
  queue_full: 'The queue was full; the caller should retry.',
};

/** A sentence for `reason`, or undefined for one the console does not know. */
export function explainReason(reason: string | null): string | undefined {
  return reason ? REASONS[reason] : undefined;
}

/** Every reason the console can explain (the search form's suggestions). */
export const KNOWN_REASONS = Object.keys(REASONS);
