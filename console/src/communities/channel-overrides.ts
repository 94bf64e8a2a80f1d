import { fill, h } from '../dom.js';
import type { ChannelOverride, Json } from './config-types.js';
import { nextId, textField } from './fields.js';
import type { FormModel } from './form-model.js';
import { section } from './sections.js';
import { triggerSet } from './trigger-fields.js';

/** Whether the API takes `id` as a channel id: 1–100 characters, no control characters. */
const isChannelId = (id: string) => [...id].length >= 1 && [...id].length <= 100 && !/\p{Cc}/u.test(id);
/** At most this many channel overrides per community. */
const MAX_CHANNELS = 100;

/** The per-channel overrides: the section, and `load` to show a stored set. */
export interface ChannelOverrides {
  element: HTMLElement;
  /** Shows `channels` (a stored config's), dropping any card added or removed since. */
  load(channels: Record<string, ChannelOverride> | undefined): void;
}

/**
 * `channels`: one card per channel id with its personality, system prompt, model and triggers,
 * each a group of `model` (so a removed card's fields leave the body: Save sends `null` for it).
 * "Add channel" takes a new id; an id cannot be renamed (remove it and add the new one).
 */
export function channelOverrides(model: FormModel): ChannelOverrides {
  const cards = new Map<string, { card: HTMLElement; group: FormModel }>();
  const list = h('div', { class: 'channel-list' });
  const note = h('p', { class: 'help', role: 'status' });
  const newId = h('input', { type: 'text', id: nextId(), autocomplete: 'off', maxlength: 100 });
  const newIdError = h('p', { id: `${newId.id}-error`, class: 'error field-error' });
  const addButton = h('button', { type: 'button', class: 'secondary' }, 'Add channel');

  const empty = () => {
    if (cards.size === 0) fill(list, h('p', { class: 'help', 'data-empty': '' }, 'No channel overrides.'));
  };

  const addCard = (id: string, stored?: ChannelOverride) => {
    list.querySelector('[data-empty]')?.remove();
    const group = model.group();
    const owner = `channel ${id}, `;
    const at = (field: string) => ['channels', id, field];
    const hidden = (text: string) => h('span', {}, h('span', { class: 'visually-hidden' }, owner), text);
    const remove = h(
      'button',
      { type: 'button', class: 'secondary', 'aria-label': `Remove channel ${id}` },
      'Remove',
    );
    const headingId = nextId();
    const card = h(
      'section',
      { class: 'channel', 'aria-labelledby': headingId, 'data-channel': id },
      h('div', { class: 'channel-head' }, h('h3', { id: headingId }, `Channel ${id}`), remove),
      h(
        'div',
        { class: 'fields' },
        textField(group, at('personality'), hidden('Personality'), { list: 'personalities', maxLength: 100 }),
        textField(group, at('model'), hidden('Model'), { maxLength: 200 }),
      ),
      textField(group, at('system_prompt'), hidden('System prompt'), { multiline: true, maxLength: 4000 }),
      h(
        'details',
        { class: 'channel-triggers' },
        h('summary', {}, `Triggers in ${id}`),
        triggerSet(group, ['channels', id, 'triggers'], owner),
      ),
    );
    remove.addEventListener('click', () => {
      model.removeGroup(group);
      cards.delete(id);
      card.remove();
      note.textContent = `Channel ${id} removed; Save to apply.`;
      empty();
      newId.focus();
    });
    cards.set(id, { card, group });
    list.append(card);
    if (stored) group.write({ channels: { [id]: stored as unknown as Json } });
    return card;
  };

  const add = () => {
    const id = newId.value.trim();
    const problem = !isChannelId(id)
      ? 'a channel id is 1–100 characters, no control characters'
      : cards.has(id)
        ? `channel ${id} already has overrides`
        : cards.size >= MAX_CHANNELS
          ? `at most ${MAX_CHANNELS} channels`
          : undefined;
    newIdError.textContent = problem ?? '';
    if (problem) {
      newId.setAttribute('aria-invalid', 'true');
      newId.setAttribute('aria-describedby', `${newId.id}-hint ${newIdError.id}`);
      newId.focus();
      return;
    }
    newId.removeAttribute('aria-invalid');
    newId.setAttribute('aria-describedby', `${newId.id}-hint`);
    newId.value = '';
    const card = addCard(id);
    note.textContent = `Channel ${id} added; Save to apply.`;
    card.querySelector<HTMLElement>('input, textarea, select')?.focus();
  };
  addButton.addEventListener('click', add);
  newId.addEventListener('keydown', (event) => {
    // Enter adds the channel instead of saving the whole form.
    if (event.key === 'Enter') {
      event.preventDefault();
      add();
    }
  });
  newId.setAttribute('aria-describedby', `${newId.id}-hint`);

  const load = (channels: Record<string, ChannelOverride> | undefined) => {
    for (const { group } of cards.values()) model.removeGroup(group);
    cards.clear();
    fill(list);
    for (const [id, stored] of Object.entries(channels ?? {})) addCard(id, stored);
    empty();
  };

  const element = section(
    'Channel overrides',
    h('p', { class: 'help' }, 'A channel’s own persona, model and triggers within this community.'),
    list,
    h(
      'div',
      { class: 'add-channel' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: newId.id }, 'New channel id'),
        newId,
        h(
          'p',
          { id: `${newId.id}-hint`, class: 'help' },
          'the channel_id of its events (a Twitch login, a chat or channel id)',
        ),
        newIdError,
      ),
      addButton,
    ),
    note,
  );
  return { element, load };
}
