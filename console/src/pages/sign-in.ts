import { ApiError } from '../api.js';
import { h } from '../dom.js';

/**
 * The sign-in form: one password field labelled "Admin key" (a client key signs in read-only to its
 * community). `attempt` tries the key; its error is shown under the field and the field keeps focus.
 */
export function signInPage(attempt: (key: string) => Promise<void>): HTMLElement {
  const input = h('input', {
    id: 'key',
    name: 'key',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'aria-describedby': 'key-help key-error',
  });
  const error = h('p', { id: 'key-error', class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'chatgate console'),
    h('label', { for: 'key' }, 'Admin key'),
    input,
    h(
      'p',
      { id: 'key-help', class: 'help' },
      'CHATGATE_ADMIN_KEY. A client key signs in read-only, to its own community. The key stays in this tab’s memory: reloading signs out.',
    ),
    error,
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    attempt(input.value.trim())
      .catch((failure: unknown) => {
        error.textContent =
          failure instanceof ApiError && failure.status === 401
            ? 'That key is not known to this chatgate.'
            : failure instanceof Error
              ? failure.message
              : String(failure);
        input.focus();
        input.select();
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  queueMicrotask(() => input.focus());
  return form;
}
