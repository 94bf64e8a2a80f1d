import { fill, h } from '../dom.js';
import type { Bound, FormModel } from './form-model.js';

/** One bad field as the API names it: `triggers.question.human_grace_ms` and why. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The bad fields of a config 400's `detail`: `"<field>: <why>; <field>: <why>"`
 * (parseCommunityConfig names every bad field in one answer). A `; ` splits only where a
 * `<field>: ` follows, since a reason may hold `; ` itself ("…is not set; set it …").
 */
export function parseFieldErrors(detail: string): FieldError[] {
  return detail
    .split(/; (?=[^\s;:]+: )/)
    .map((part) => {
      const at = part.indexOf(': ');
      return at > 0
        ? { field: part.slice(0, at), message: part.slice(at + 2) }
        : { field: '', message: part };
    })
    .filter((error) => error.message);
}

function describe(bound: Bound, add: boolean): void {
  const ids = (bound.control.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
  const kept = ids.filter((id) => id !== bound.error.id);
  const next = add ? [...kept, bound.error.id] : kept;
  if (next.length > 0) bound.control.setAttribute('aria-describedby', next.join(' '));
  else bound.control.removeAttribute('aria-describedby');
}

/** Takes every error text and `aria-invalid` off the form, and empties the summary. */
export function clearFieldErrors(model: FormModel, summary: HTMLElement): void {
  for (const bound of model.all()) {
    if (!bound.control.hasAttribute('aria-invalid')) continue;
    bound.control.removeAttribute('aria-invalid');
    bound.error.textContent = '';
    describe(bound, false);
  }
  fill(summary);
}

/**
 * Shows each error beside its control: the text in the control's error element, named by its
 * `aria-describedby`, with `aria-invalid="true"`; closed disclosures around it are opened. The
 * summary lists them all (errors of no control only there), and the first bad control in the
 * page's order takes focus.
 */
export function showFieldErrors(model: FormModel, errors: readonly FieldError[], summary: HTMLElement): void {
  const marked: Bound[] = [];
  const items: HTMLElement[] = [];
  for (const error of errors) {
    const bound = error.field ? model.find(error.field) : undefined;
    const text = error.field ? `${error.field}: ${error.message}` : error.message;
    items.push(h('li', {}, text));
    if (!bound) continue;
    // Two errors under one control (two bad blocked terms) are both said.
    bound.error.textContent = bound.error.textContent ? `${bound.error.textContent}; ${text}` : text;
    bound.control.setAttribute('aria-invalid', 'true');
    describe(bound, true);
    for (
      let open = bound.control.closest('details');
      open;
      open = open.parentElement?.closest('details') ?? null
    ) {
      open.open = true;
    }
    marked.push(bound);
  }
  fill(
    summary,
    h('p', {}, errors.length === 1 ? 'One field needs a change:' : `${errors.length} fields need a change:`),
    h('ul', {}, ...items),
  );
  const first = marked
    .map((bound) => bound.control)
    .sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))[0];
  (first ?? summary).focus();
}
