import { h } from '../dom.js';
import { MIN_ROLES, TRIGGER_KINDS } from './config-types.js';
import { choiceField, flagField, listField, numberField } from './fields.js';
import type { FormModel } from './form-model.js';

/** The longest human grace, ms (`MAX_HUMAN_GRACE_MS`). */
const MAX_HUMAN_GRACE_MS = 300_000;

/** A label read as "question: probability" by a screen reader, shown as "probability" under its kind. */
function label(kind: string, text: string): HTMLElement {
  return h('span', {}, h('span', { class: 'visually-hidden' }, `${kind}: `), text);
}

/**
 * One trigger's settings under `prefix` (`['triggers', kind]`, or a channel's), in a disclosure
 * named after the kind: switch, probability, cooldowns, lowest role, human grace and, for
 * `redemption`, the reward titles. Every empty field takes the default.
 */
function triggerFields(model: FormModel, prefix: string[], kind: string, owner: string): HTMLElement {
  const at = (field: string) => [...prefix, kind, field];
  const named = (text: string) => label(`${owner}${kind}`, text);
  return h(
    'details',
    { class: 'trigger', 'data-trigger': kind },
    h('summary', {}, kind, h('span', { class: 'set-count' })),
    h(
      'div',
      { class: 'fields' },
      flagField(model, at('enabled'), named('enabled')),
      numberField(model, at('probability'), named('probability'), {
        min: 0,
        max: 1,
        hint: '0–1; 1 answers every match',
      }),
      numberField(model, at('user_cooldown_ms'), named('per-user cooldown (ms)'), {
        min: 0,
        integer: true,
        hint: '0 = none',
      }),
      numberField(model, at('channel_cooldown_ms'), named('per-channel cooldown (ms)'), {
        min: 0,
        integer: true,
        hint: '0 = none',
      }),
      choiceField(model, at('min_role'), named('lowest role'), MIN_ROLES),
      numberField(model, at('human_grace_ms'), named('human grace (ms)'), {
        min: 0,
        max: MAX_HUMAN_GRACE_MS,
        integer: true,
        hint: 'wait, and answer only if no human did: 0 = off, or 5,000–300,000',
      }),
      kind === 'redemption'
        ? listField(model, at('reward_titles'), named('reward titles'), {
            hint: 'one channel-point reward title a line (at most 45 characters each, 50 titles)',
          })
        : null,
    ),
  );
}

/**
 * Every trigger kind's settings under `prefix` (`['triggers']`, or `['channels', id, 'triggers']`);
 * `owner` starts each hidden label part ("channel 1100, "), so that no two labels read alike.
 */
export function triggerSet(model: FormModel, prefix: string[], owner = ''): HTMLElement {
  const set = h(
    'div',
    { class: 'triggers' },
    ...TRIGGER_KINDS.map((kind) => triggerFields(model, prefix, kind, owner)),
  );
  const recount = (event: Event) => {
    const details = (event.target as Element).closest('details.trigger');
    if (details) countSet(details);
  };
  set.addEventListener('input', recount);
  set.addEventListener('change', recount);
  return set;
}

/** Writes "· N set" into a trigger's summary: which triggers differ from the defaults, while closed. */
function countSet(details: Element): void {
  const count = [...details.querySelectorAll<HTMLInputElement>('input, select, textarea')].filter(
    (control) => control.value.trim() !== '',
  ).length;
  const label = details.querySelector('.set-count');
  if (label) label.textContent = count > 0 ? ` · ${count} set` : '';
}

/** Recounts every trigger summary under `root` (after values were written by code, not typed). */
export function recountTriggers(root: Element): void {
  for (const details of root.querySelectorAll('details.trigger')) countSet(details);
}
