import { h } from '../dom.js';
import { nextId } from './fields.js';
import type { FormModel } from './form-model.js';

/** The write-only API key control: what Save sends for it, and how it shows the stored state. */
export interface ApiKeyField {
  element: HTMLElement;
  /** A typed key, `null` to remove the stored one, undefined to keep it (nothing is sent). */
  read(): string | null | undefined;
  /** Forgets what was typed and shows whether a key is stored ("set" / "not set"). */
  reset(hasKey: boolean): void;
}

/**
 * The community's provider API key, write-only: a password field that starts empty (the API never
 * returns a key), a line saying whether one is stored, and a "remove" box while one is. Errors of
 * `api_key` go beside it (it is in `model` for them, but not in the body `model` reads).
 */
export function apiKeyField(model: FormModel, hasKey: boolean): ApiKeyField {
  const id = nextId();
  const input = h('input', {
    id,
    name: 'api_key',
    type: 'password',
    // Never offer a saved login: this is a provider's key, not the operator's password.
    autocomplete: 'new-password',
    maxlength: 1000,
    'aria-describedby': `${id}-hint`,
  });
  const state = h('strong', { 'data-key-state': '' });
  const advice = h('span');
  const remove = h('input', { type: 'checkbox', id: `${id}-remove` });
  const removeRow = h(
    'div',
    { class: 'choice' },
    remove,
    h('label', { for: remove.id }, 'Remove the stored key'),
  );
  const error = h('p', { id: `${id}-error`, class: 'error field-error' });
  model.add({ path: ['api_key'], control: input, error, read: () => undefined, write: () => {} });
  remove.addEventListener('change', () => {
    input.disabled = remove.checked;
    if (remove.checked) input.value = '';
  });
  const reset = (stored: boolean) => {
    input.value = '';
    input.disabled = false;
    remove.checked = false;
    state.textContent = stored ? 'set' : 'not set';
    advice.textContent = stored
      ? ' Write-only: type a new key to replace it; left empty, the stored one stays.'
      : ' Write-only: type one to store it (encrypted; never shown again).';
    removeRow.hidden = !stored;
  };
  reset(hasKey);
  const element = h(
    'div',
    { class: 'field', 'data-path': 'api_key' },
    h('label', { for: id }, 'API key'),
    input,
    h('p', { id: `${id}-hint`, class: 'help' }, 'Stored key: ', state, '.', advice),
    removeRow,
    error,
  );
  return {
    element,
    read: () => (remove.checked ? null : input.value.trim() || undefined),
    reset,
  };
}
