import { h } from '../dom.js';
import type { Bound, FormModel } from './form-model.js';

let counter = 0;
/** A fresh element id (config paths hold channel ids, which are no safe ids). */
export function nextId(prefix = 'cf'): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
/** A label's content: text, or a node (a visually hidden part for screen readers). */
type Label = string | Node;

interface FieldOptions {
  /** A line under the control: units, limits, what empty means. */
  hint?: string;
}

/**
 * One labelled control with its hint and its (empty) error text, bound to `path` in `model`.
 * The control is described by the hint; the error is added to `aria-describedby` while shown.
 */
function field(
  model: FormModel,
  path: string[],
  label: Label,
  control: Control,
  codec: Pick<Bound, 'read' | 'write' | 'problem'>,
  options: FieldOptions,
): HTMLElement {
  const id = nextId();
  control.id = id;
  control.setAttribute('name', path.join('.'));
  const hint = options.hint ? h('p', { id: `${id}-hint`, class: 'help' }, options.hint) : null;
  if (hint) control.setAttribute('aria-describedby', hint.id);
  const error = h('p', { id: `${id}-error`, class: 'error field-error' });
  model.add({ path, control, error, ...codec });
  return h(
    'div',
    { class: 'field', 'data-path': path.join('.') },
    h('label', { for: id }, label),
    control,
    hint,
    error,
  );
}

/** A one-line (or, with `multiline`, a multi-line) text; empty = unset. */
export function textField(
  model: FormModel,
  path: string[],
  label: Label,
  options: FieldOptions & {
    maxLength?: number;
    multiline?: boolean;
    type?: 'text' | 'url';
    list?: string;
  } = {},
): HTMLElement {
  const control = options.multiline
    ? h('textarea', { rows: 4, maxlength: options.maxLength })
    : h('input', {
        type: options.type ?? 'text',
        maxlength: options.maxLength,
        autocomplete: 'off',
        list: options.list,
      });
  return field(
    model,
    path,
    label,
    control,
    {
      // Prompts keep their spaces; one-line values are trimmed.
      read: () => (options.multiline ? control.value : control.value.trim()) || undefined,
      write: (value) => {
        control.value = typeof value === 'string' ? value : '';
      },
    },
    options,
  );
}

/** A number (`min`/`max` shown to the browser, the API judges); empty = unset. */
export function numberField(
  model: FormModel,
  path: string[],
  label: Label,
  options: FieldOptions & { min?: number; max?: number; integer?: boolean } = {},
): HTMLElement {
  const control = h('input', {
    type: 'number',
    inputmode: options.integer ? 'numeric' : 'decimal',
    min: options.min,
    max: options.max,
    step: options.integer ? 1 : 'any',
  });
  return field(
    model,
    path,
    label,
    control,
    {
      read: () => (control.value === '' ? undefined : Number(control.value)),
      write: (value) => {
        control.value = typeof value === 'number' ? String(value) : '';
      },
      // A number input with letters in it reads as ''; say so instead of sending "unset".
      problem: () => (control.validity.badInput ? 'must be a number' : undefined),
    },
    options,
  );
}

/** A choice among `values`, or "default" (unset). */
export function choiceField(
  model: FormModel,
  path: string[],
  label: Label,
  values: readonly string[],
  options: FieldOptions & { defaultLabel?: string } = {},
): HTMLElement {
  const control = h(
    'select',
    {},
    h('option', { value: '' }, options.defaultLabel ?? 'default'),
    ...values.map((value) => h('option', { value }, value)),
  );
  return field(
    model,
    path,
    label,
    control,
    {
      read: () => control.value || undefined,
      write: (value) => {
        control.value = typeof value === 'string' && values.includes(value) ? value : '';
      },
    },
    options,
  );
}

/**
 * An on/off setting that may also be left to the default: a choice of "default", "on", "off".
 * (A lone switch could not say "as the default": the API merges set fields only.)
 */
export function flagField(
  model: FormModel,
  path: string[],
  label: Label,
  options: FieldOptions & { defaultLabel?: string; on?: string; off?: string } = {},
): HTMLElement {
  const control = h(
    'select',
    {},
    h('option', { value: '' }, options.defaultLabel ?? 'default'),
    h('option', { value: 'true' }, options.on ?? 'on'),
    h('option', { value: 'false' }, options.off ?? 'off'),
  );
  return field(
    model,
    path,
    label,
    control,
    {
      read: () => (control.value === '' ? undefined : control.value === 'true'),
      write: (value) => {
        control.value = typeof value === 'boolean' ? String(value) : '';
      },
    },
    options,
  );
}

/** A list of strings, one a line (blank lines dropped); empty = unset (Save sends `[]` to empty a stored one). */
export function listField(
  model: FormModel,
  path: string[],
  label: Label,
  options: FieldOptions = {},
): HTMLElement {
  const control = h('textarea', { rows: 3, spellcheck: 'false' });
  return field(
    model,
    path,
    label,
    control,
    {
      read: () => {
        const items = control.value
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean);
        return items.length > 0 ? items : undefined;
      },
      write: (value) => {
        control.value = Array.isArray(value) ? value.join('\n') : '';
      },
    },
    options,
  );
}
