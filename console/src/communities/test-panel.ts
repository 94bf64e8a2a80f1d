import { ApiError, api } from '../api.js';
import { fill, h } from '../dom.js';
import type { TrialAnswer } from './config-types.js';
import { nextId } from './fields.js';

/** The longest trial line, chars (the route's limit). */
const MAX_TEXT_CHARS = 4000;

const pair = (term: string, value: string) => h('div', {}, h('dt', {}, term), h('dd', {}, value));

/**
 * "Test": one line typed by the operator sent through the community's saved chain (`POST
 * /api/v1/communities/:id/test`); shows the answer, provider, model, mode, latency and any fallback
 * reason. Nothing is stored or sent to a chat, but the tokens count in the community's budgets.
 */
export function testPanel(communityId: string): HTMLElement {
  const id = nextId('test');
  const input = h('input', {
    id,
    type: 'text',
    autocomplete: 'off',
    maxlength: MAX_TEXT_CHARS,
    'aria-describedby': `${id}-hint`,
  });
  const error = h('p', { id: `${id}-error`, class: 'error field-error' });
  const button = h('button', { type: 'submit' }, 'Test');
  const status = h('p', { class: 'help', role: 'status' });
  const result = h('div', { class: 'test-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'test-form', novalidate: true },
    h(
      'div',
      { class: 'field' },
      h('label', { for: id }, 'Line to send'),
      input,
      h(
        'p',
        { id: `${id}-hint`, class: 'help' },
        'Goes through the saved config (save first), as a private web chat; the tokens count in the budgets.',
      ),
      error,
    ),
    h('div', { class: 'actions' }, button),
  );
  const setError = (message: string) => {
    error.textContent = message;
    if (message) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `${id}-hint ${error.id}`);
    } else {
      input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', `${id}-hint`);
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      setError('text: type a line to send');
      input.focus();
      return;
    }
    setError('');
    button.disabled = true;
    status.textContent = 'Asking…';
    api<TrialAnswer>(`/api/v1/communities/${encodeURIComponent(communityId)}/test`, {
      method: 'POST',
      body: { text },
    })
      .then((answer) => {
        status.textContent = `Answered by ${answer.provider} in ${answer.latency_ms} ms.`;
        fill(
          result,
          h('blockquote', { class: 'test-reply' }, answer.reply),
          h(
            'dl',
            { class: 'pairs' },
            pair('Provider', answer.provider),
            pair('Model', answer.model),
            pair('Mode', `${answer.mode} (${answer.service_status})`),
            pair('Latency', `${answer.latency_ms} ms`),
            pair('Fallback reason', answer.fallback_reason ?? 'none'),
          ),
        );
      })
      .catch((failure: unknown) => {
        const message = failure instanceof Error ? failure.message : String(failure);
        if (failure instanceof ApiError && failure.status === 400) {
          setError(message);
          input.focus();
        }
        status.textContent = `No answer: ${message}`;
        fill(result);
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  const titleId = nextId('test-title');
  return h(
    'section',
    { class: 'card test-panel', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, 'Test'),
    form,
    status,
    result,
  );
}
