import { ApiError, api } from '../api.js';
import { h } from '../dom.js';
import { apiKeyField } from './api-key-field.js';
import { channelOverrides } from './channel-overrides.js';
import type { CommunityConfig } from './config-types.js';
import { configBody, saveRequest } from './diff.js';
import { clearFieldErrors, parseFieldErrors, showFieldErrors } from './field-errors.js';
import { FormModel } from './form-model.js';
import {
  budgetsSection,
  moderationSection,
  permissionsSection,
  personaSection,
  presenceSection,
  providerSection,
  section,
} from './sections.js';
import { recountTriggers, triggerSet } from './trigger-fields.js';

/**
 * The editor of one community's config. Save sends what changed (`PATCH`), or the whole form
 * (`PUT`) when a field was emptied that a PATCH cannot remove; the API key only when typed or
 * removed. A 400 is shown beside each field it names (`aria-invalid`, `aria-describedby`), the
 * first bad one focused; a good save shows "Saved." and the stored answer. `onSaved` gets it.
 */
export function communityEditor(
  initial: CommunityConfig,
  onSaved: (config: CommunityConfig) => void,
): HTMLElement {
  let stored = initial;
  const model = new FormModel();
  const key = apiKeyField(model, stored.has_api_key);
  const channels = channelOverrides(model);
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: -1 });
  const status = h('p', { class: 'save-status', role: 'status' });
  const save = h('button', { type: 'submit' }, 'Save');
  const form = h(
    'form',
    // The API judges every value (and names every bad one); the browser's own checks would stop
    // the form with one bubble at a time instead.
    { class: 'config-form', novalidate: true, 'aria-label': `Config of ${stored.community_id}` },
    summary,
    providerSection(model, key.element),
    personaSection(model),
    section(
      'Triggers',
      h('p', { class: 'help' }, 'Each empty field takes the default of config/default.yaml.'),
      triggerSet(model, ['triggers']),
    ),
    permissionsSection(model),
    budgetsSection(model),
    moderationSection(model),
    presenceSection(model),
    channels.element,
    h('div', { class: 'save-bar' }, save, status),
  );

  const show = (config: CommunityConfig) => {
    const body = configBody(config);
    channels.load(config.channels ?? undefined);
    model.write(body);
    key.reset(config.has_api_key);
    recountTriggers(form);
  };
  show(stored);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFieldErrors(model, summary);
    const unreadable = model.all().flatMap((bound) => {
      const problem = bound.problem?.();
      return problem ? [{ field: bound.path.join('.'), message: problem }] : [];
    });
    if (unreadable.length > 0) {
      status.textContent = 'Not saved.';
      return showFieldErrors(model, unreadable, summary);
    }
    const request = saveRequest(stored, model.read(), key.read());
    if (!request) {
      status.textContent = 'Nothing changed.';
      return;
    }
    save.disabled = true;
    status.textContent = 'Saving…';
    api<CommunityConfig>(`/api/v1/communities/${encodeURIComponent(stored.community_id)}/config`, {
      method: request.method,
      body: request.body,
    })
      .then((answer) => {
        stored = answer;
        const focused = document.activeElement;
        show(answer);
        // A field of a channel card rebuilt by `show` had focus: keep it in the form.
        if (focused && !focused.isConnected) save.focus();
        status.textContent = 'Saved.';
        onSaved(answer);
      })
      .catch((failure: unknown) => {
        const message = failure instanceof Error ? failure.message : String(failure);
        if (failure instanceof ApiError && failure.status === 400) {
          status.textContent = 'Not saved.';
          showFieldErrors(model, parseFieldErrors(message), summary);
        } else status.textContent = `Not saved: ${message}`;
      })
      .finally(() => {
        save.disabled = false;
      });
  });
  return form;
}
