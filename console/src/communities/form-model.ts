import type { Json, JsonObject } from './config-types.js';

/** A control of the editor: the config field it edits, how it reads and shows its value, where its error goes. */
export interface Bound {
  /** The field's path in the config body (`['triggers', 'question', 'human_grace_ms']`). */
  readonly path: readonly string[];
  readonly control: HTMLElement;
  /** The error text beside the control (empty while there is none). */
  readonly error: HTMLElement;
  /** The value to send; undefined = unset (the default applies). */
  read(): Json | undefined;
  /** Shows a stored value (undefined: unset). */
  write(value: Json | undefined): void;
  /** Why the control's content is not a value at all ("must be a number"), or undefined. */
  problem?(): string | undefined;
}

/**
 * The editor's controls, by config path, in groups: a channel's controls are a group of their
 * own, added and removed with its card. `read` builds the config body of every set control;
 * `write` shows a stored config; `find` names the control of an API error's field.
 */
export class FormModel {
  private readonly bounds = new Set<Bound>();
  private readonly groups = new Set<FormModel>();

  add(bound: Bound): Bound {
    this.bounds.add(bound);
    return bound;
  }

  /** A group of controls read and written with this model until `removeGroup`. */
  group(): FormModel {
    const child = new FormModel();
    this.groups.add(child);
    return child;
  }

  removeGroup(child: FormModel): void {
    this.groups.delete(child);
  }

  /** Every control, this model's first, then each group's. */
  all(): Bound[] {
    return [...this.bounds, ...[...this.groups].flatMap((child) => child.all())];
  }

  /** The config body the controls say: each set value at its path; nothing for unset ones. */
  read(): JsonObject {
    const body: JsonObject = {};
    for (const bound of this.all()) {
      const value = bound.read();
      if (value !== undefined) setAt(body, bound.path, value);
    }
    return body;
  }

  /** Shows `body` (a stored config, nulls left out) in the controls. */
  write(body: JsonObject): void {
    for (const bound of this.all()) bound.write(getAt(body, bound.path));
  }

  /**
   * The control of an error's field (`triggers.question.human_grace_ms`): the one with that path,
   * else the one whose path is the longest start of it (`moderation.blocked_terms.3` → the
   * blocked terms). Paths are compared joined with dots, as the API names them.
   */
  find(field: string): Bound | undefined {
    let best: Bound | undefined;
    let bestLength = -1;
    for (const bound of this.all()) {
      const joined = bound.path.join('.');
      if (joined === field) return bound;
      if (field.startsWith(`${joined}.`) && joined.length > bestLength) {
        best = bound;
        bestLength = joined.length;
      }
    }
    return best;
  }
}

function setAt(body: JsonObject, path: readonly string[], value: Json): void {
  let node = body;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next;
    else {
      const created: JsonObject = {};
      node[key] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

function getAt(body: JsonObject, path: readonly string[]): Json | undefined {
  let node: Json | undefined = body;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = node[key];
  }
  return node;
}
