import { fill, h } from '../dom.js';
import type { LiveFeed } from '../live.js';
import { type DayChart, type DaySeries, drawDayChart } from './day-chart.js';
import { addDays, daySpan, daysBetween, utcToday } from './days.js';
import { dayTable, formatCount, formatUsd, keyTable, userTable } from './tables.js';
import {
  loadChoices,
  loadUsage,
  sumRows,
  type UsageFilter,
  type UsageRow,
  type UsageView,
} from './usage-data.js';

/** The default range, days (today included), as the API's own default. */
const DEFAULT_DAYS = 30;
/** The longest range the API accepts, days. */
const MAX_DAYS = 366;

function section(id: string, title: string, ...body: (Node | null)[]): HTMLElement {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...body);
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  control.id = id;
  control.setAttribute('name', id.replace(/^u-/, ''));
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

/** One value per day of the range (days without usage are 0), for the chart. */
function daySeries(filter: UsageFilter, rows: readonly UsageRow[]): DaySeries {
  const byDay = new Map(rows.map((row) => [row.day, row]));
  const days = daysBetween(filter.from, filter.to);
  return {
    days,
    requests: days.map((day) => byDay.get(day)?.requests ?? 0),
    tokens: days.map((day) => byDay.get(day)?.total_tokens ?? 0),
  };
}

const whose = (filter: UsageFilter) => (filter.communityId ? filter.communityId : 'All communities');

/** The chart in words (its canvas is invisible to screen readers): totals and the busiest day. */
function chartSummary(filter: UsageFilter, rows: readonly UsageRow[]): string {
  const head = `Tokens and requests per day, ${filter.communityId || 'all communities'}, ${filter.from} to ${filter.to} (UTC)`;
  if (rows.length === 0) return `${head}: no usage.`;
  const all = sumRows(rows);
  const busiest = rows.reduce((best, row) => (row.total_tokens > best.total_tokens ? row : best));
  return (
    `${head}: ${formatCount(all.requests)} requests and ${formatCount(all.tokens)} tokens in all; ` +
    `busiest day ${busiest.day}: ${formatCount(busiest.requests)} requests and ${formatCount(busiest.total_tokens)} tokens.`
  );
}

/** The figures above the chart: requests, tokens and (when priced) cost in the range. */
function totalsList(rows: readonly UsageRow[]): HTMLElement {
  const all = sumRows(rows);
  const item = (term: string, value: string) => h('div', {}, h('dt', {}, term), h('dd', {}, value));
  return h(
    'dl',
    { class: 'figures' },
    item('Requests', formatCount(all.requests)),
    item('Tokens', formatCount(all.tokens)),
    all.costUsd === undefined ? null : item('Cost', formatUsd(all.costUsd)),
  );
}

/**
 * The Usage page's body for the admin key: tokens and requests per day (a chart.js chart, with a
 * table and a summary as its text alternative), the top users and top client keys, for one
 * community or all, over a range of UTC days (default the last 30). Renders with 5 API calls (the
 * communities and keys lists, then `GET /api/v1/usage` by day, user and key, all at once); each
 * new choice re-asks the last 3. Loaded with `import()` by pages/usage.ts, chart.js with it.
 */
export function usageView(feed: LiveFeed): { element: HTMLElement; dispose(): void } {
  const today = utcToday();
  const community = h('select', {}, h('option', { value: '' }, 'All communities'));
  const from = h('input', { type: 'date', required: true, value: addDays(today, 1 - DEFAULT_DAYS) });
  const to = h('input', { type: 'date', required: true, value: today });
  const error = h('p', { id: 'usage-error', class: 'error', role: 'alert' });
  from.setAttribute('aria-describedby', 'usage-error');
  to.setAttribute('aria-describedby', 'usage-error');
  const note = h('p', { class: 'help', role: 'status' });
  const form = h(
    'form',
    { class: 'search', 'aria-labelledby': 'usage-title', novalidate: true },
    field('u-community', 'Community', community),
    field('u-from', 'From (UTC day)', from),
    field('u-to', 'To (UTC day)', to),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show')),
  );

  const totals = h('div');
  const canvas = h('canvas', { role: 'img', 'aria-label': 'Tokens and requests per day: loading.' });
  const days = h('div');
  const users = h('div');
  const keys = h('div');
  let keyNames: ReadonlyMap<string, string> = new Map();
  let chart: DayChart | undefined;
  /** The figures drawn last. */
  let shown: UsageView | undefined;
  let disposed = false;
  // Answers to an older choice are dropped: only the last asked is drawn.
  let asked = 0;

  const draw = (filter: UsageFilter, view: UsageView) => {
    shown = view;
    fill(totals, totalsList(view.days));
    canvas.setAttribute('aria-label', chartSummary(filter, view.days));
    fill(days, dayTable(view.days));
    fill(users, userTable(view.users));
    fill(keys, keyTable(view.keys, keyNames));
    const series = daySeries(filter, view.days);
    if (chart) chart.update(series);
    else chart = drawDayChart(canvas, series);
  };

  /** The form's choice, or undefined after saying in the form what is wrong. */
  const chosen = (): UsageFilter | undefined => {
    const wrong = (control: HTMLInputElement, message: string) => {
      control.setAttribute('aria-invalid', 'true');
      error.textContent = message;
      control.focus();
      return undefined;
    };
    from.removeAttribute('aria-invalid');
    to.removeAttribute('aria-invalid');
    error.textContent = '';
    if (!from.value) return wrong(from, 'From: choose a day.');
    if (!to.value) return wrong(to, 'To: choose a day.');
    if (from.value > to.value) return wrong(from, 'From: must be on or before To.');
    if (daySpan(from.value, to.value) > MAX_DAYS)
      return wrong(from, `From: the range may span at most ${MAX_DAYS} days.`);
    return { communityId: community.value, from: from.value, to: to.value };
  };

  const show = (filter: UsageFilter) => {
    const ask = ++asked;
    note.textContent = 'Loading…';
    loadUsage(filter)
      .then((view) => {
        if (disposed || ask !== asked) return;
        draw(filter, view);
        const all = sumRows(view.days);
        note.textContent = `${whose(filter)}, ${filter.from} to ${filter.to}: ${formatCount(all.requests)} requests, ${formatCount(all.tokens)} tokens.`;
      })
      .catch((failure: unknown) => {
        if (disposed || ask !== asked) return;
        note.textContent = `Could not load usage: ${(failure as Error).message}`;
      });
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const filter = chosen();
    if (filter) show(filter);
  });

  const first = chosen();
  if (first) show(first);
  void loadChoices(feed).then((choices) => {
    if (disposed) return;
    keyNames = choices.keyNames;
    const keep = community.value;
    community.append(...choices.communities.map((id) => h('option', { value: id }, id)));
    community.value = keep;
    // The figures may have come first: name the keys table's rows now.
    if (shown) fill(keys, keyTable(shown.keys, keyNames));
  });

  const element = h(
    'div',
    { class: 'grid' },
    section('usage-title', 'Usage', form, error, note),
    section(
      'days-title',
      'Tokens and requests per day',
      totals,
      h('div', { class: 'chart' }, canvas),
      h('details', {}, h('summary', {}, 'Per-day figures (table)'), days),
    ),
    section('users-title', 'Top users', users),
    section('keys-title', 'Top client keys', keys),
  );
  return {
    element,
    dispose() {
      disposed = true;
      chart?.destroy();
    },
  };
}
