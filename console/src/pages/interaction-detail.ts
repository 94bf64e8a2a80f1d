import { h, localTime } from '../dom.js';
import { explainReason } from '../reasons.js';
import type { Interaction } from '../types.js';

function pairs(entries: [string, string | Node][]): HTMLElement {
  return h(
    'dl',
    { class: 'pairs' },
    ...entries.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value))),
  );
}

const count = new Intl.NumberFormat();

/** "4 messages · 1,234 chars · 310 tokens" (tokens when the provider counted them); "—" for none. */
function promptSize(prompt: NonNullable<Interaction['reply']>['prompt']): string {
  if (!prompt) return '—';
  const parts = [
    `${count.format(prompt.messages)} ${prompt.messages === 1 ? 'message' : 'messages'}`,
    `${count.format(prompt.chars)} chars`,
  ];
  if (prompt.tokens !== null) parts.push(`${count.format(prompt.tokens)} tokens`);
  return parts.join(' · ');
}

/**
 * One interaction in a modal `<dialog>` (Esc or "Close" closes it and focus returns to the row):
 * the event, the trigger and the decision (the reason, explained), the reply with its provider,
 * the prompt's size and any fallback reason, and the timings.
 */
export function showInteraction(interaction: Interaction, returnFocus: HTMLElement | null): void {
  const { event, reply } = interaction;
  const explained = explainReason(interaction.reason);
  const total =
    interaction.completed_at === null
      ? '—'
      : `${Date.parse(interaction.completed_at) - Date.parse(event.received_at)} ms`;
  const close = h('button', { type: 'button', class: 'secondary' }, 'Close');
  const dialog = h(
    'dialog',
    { 'aria-labelledby': 'detail-title', class: 'detail' },
    // Close first: focus lands at the top, and the dialog opens scrolled to its start.
    h(
      'div',
      { class: 'detail-head' },
      h('h2', { id: 'detail-title' }, `Interaction ${interaction.interaction_id}`),
      close,
    ),
    h('h3', {}, 'Event'),
    pairs([
      ['Platform', event.platform],
      ['Type', event.type],
      ['Community', event.community_id],
      ['Channel', event.channel_id],
      ['User', `${event.user.display_name} (${event.user.login}, id ${event.user.id})`],
      ['Roles', event.user.roles.join(', ') || '—'],
      ['Text', h('q', {}, event.text || '—')],
    ]),
    h('h3', {}, 'Decision'),
    pairs([
      ['Status', interaction.status],
      ['Trigger', interaction.trigger ?? '—'],
      ['Reason', interaction.reason ? `${interaction.reason}${explained ? ` — ${explained}` : ''}` : '—'],
    ]),
    h('h3', {}, 'Reply'),
    reply
      ? pairs([
          ['Text', h('q', {}, reply.text || '(nothing sent)')],
          ['Provider', `${reply.provider} · ${reply.model}`],
          ['Prompt', promptSize(reply.prompt)],
          ['Mode', `${reply.mode} (${reply.service_status})`],
          ['Fallback reason', reply.fallback_reason ?? '—'],
          ['Blocked', reply.blocked ?? '—'],
        ])
      : h('p', { class: 'help' }, 'No reply.'),
    h('h3', {}, 'Timings'),
    pairs([
      ['Received', localTime(event.received_at)],
      ['Logged', localTime(interaction.created_at)],
      ['Completed', localTime(interaction.completed_at)],
      ['Model and delivery', reply ? `${reply.processing_time_ms} ms` : '—'],
      ['Received to completed', total],
    ]),
  );
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    dialog.remove();
    returnFocus?.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}
