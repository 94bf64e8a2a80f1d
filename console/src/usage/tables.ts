import { h } from '../dom.js';
import { topByTokens, type UsageRow } from './usage-data.js';

/** Rows shown in the top users and top keys tables. */
export const TOP_ROWS = 10;

const count = new Intl.NumberFormat();
const usd = new Intl.NumberFormat(undefined, {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 4,
});

/** A whole number in the reader's locale (`1,234`). */
export const formatCount = (value: number): string => count.format(value);
/** USD in the reader's locale, to 1/100 cent; `—` when no price covered the figures. */
export const formatUsd = (value: number | undefined): string =>
  value === undefined ? '—' : usd.format(value);

/** A table in a keyboard-scrollable region named `label` (narrow screens scroll it sideways). */
function figuresTable(label: string, first: string, rows: { name: string; row: UsageRow }[]): HTMLElement {
  const withCost = rows.some(({ row }) => row.cost_usd !== undefined);
  const head = [first, 'Requests', 'Tokens', 'Prompt', 'Completion', ...(withCost ? ['Cost'] : [])];
  return h(
    'div',
    { class: 'scroll', role: 'region', 'aria-label': label, tabindex: 0 },
    h(
      'table',
      { class: 'figures-table' },
      h('thead', {}, h('tr', {}, ...head.map((cell) => h('th', { scope: 'col' }, cell)))),
      h(
        'tbody',
        {},
        ...rows.map(({ name, row }) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, name),
            h('td', {}, formatCount(row.requests)),
            h('td', {}, formatCount(row.total_tokens)),
            h('td', {}, formatCount(row.prompt_tokens)),
            h('td', {}, formatCount(row.completion_tokens)),
            withCost ? h('td', {}, formatUsd(row.cost_usd)) : null,
          ),
        ),
      ),
    ),
  );
}

const empty = (what: string) => h('p', { class: 'help' }, what);

/** The days that had usage, newest first: the per-day chart's text alternative. */
export function dayTable(rows: readonly UsageRow[]): HTMLElement {
  if (rows.length === 0) return empty('No usage in this range.');
  const named = [...rows].reverse().map((row) => ({ name: row.day ?? '', row }));
  return figuresTable('Usage per day', 'Day (UTC)', named);
}

/** The users with the most tokens; a row without a user (no `user` on the request) says so. */
export function userTable(rows: readonly UsageRow[]): HTMLElement {
  if (rows.length === 0) return empty('No usage in this range.');
  const named = topByTokens(rows, TOP_ROWS).map((row) => ({ name: row.user_id ?? '(no user)', row }));
  return h(
    'div',
    {},
    figuresTable('Top users', 'User', named),
    rows.length > TOP_ROWS ? h('p', { class: 'help' }, `${rows.length} users in all.`) : null,
  );
}

/**
 * The client keys with the most tokens, by name (`keyNames`: id → name; an id no longer listed, a
 * deleted key, shows as its id). The row without a key is the admin key's, static keys' and chat's.
 */
export function keyTable(rows: readonly UsageRow[], keyNames: ReadonlyMap<string, string>): HTMLElement {
  if (rows.length === 0) return empty('No usage in this range.');
  const named = topByTokens(rows, TOP_ROWS).map((row) => ({
    name:
      row.key_id === null || row.key_id === undefined
        ? '(no stored key)'
        : (keyNames.get(row.key_id) ?? row.key_id),
    row,
  }));
  return h(
    'div',
    {},
    figuresTable('Top client keys', 'Key', named),
    h(
      'p',
      { class: 'help' },
      '“No stored key”: the admin key, static client keys and platform chat.',
      rows.length > TOP_ROWS ? ` ${rows.length} keys in all.` : '',
    ),
  );
}
