import { api } from '../api.js';
import { fill, h } from '../dom.js';
import type { LiveFeed } from '../live.js';
import { KNOWN_REASONS } from '../reasons.js';
import type { Interaction } from '../types.js';
import { showInteraction } from './interaction-detail.js';

/** Rows of the live tail shown. */
const TAIL_ROWS = 15;
const PLATFORMS = ['twitch', 'telegram', 'discord', 'api', 'web'];
const STATUSES = ['queued', 'running', 'done', 'failed', 'ignored', 'rejected'];

/** A table of interactions; each row's time is a button that opens it. */
function interactionTable(label: string, rows: readonly Interaction[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'help' }, 'No interactions.');
  return h(
    'div',
    { class: 'scroll', role: 'region', 'aria-label': label, tabindex: 0 },
    h(
      'table',
      { class: 'interactions' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          // What became of it first: on a narrow screen the rest scrolls sideways.
          ...['Time', 'Status', 'Reason', 'Text', 'User', 'Channel', 'Community', 'Platform'].map((cell) =>
            h('th', { scope: 'col' }, cell),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((row) => {
          const open = h(
            'button',
            { type: 'button', class: 'link', 'aria-label': `Open interaction ${row.interaction_id}` },
            new Date(row.created_at).toLocaleTimeString(),
          );
          open.addEventListener('click', () => showInteraction(row, open));
          return h(
            'tr',
            { 'data-id': row.interaction_id, 'data-status': row.status },
            h('td', {}, open),
            h('td', {}, h('span', { class: `badge status-${row.status}` }, row.status)),
            h('td', {}, row.reason ?? ''),
            h('td', { class: 'text' }, row.event.text),
            h('td', {}, row.event.user.login),
            h('td', {}, row.event.channel_id),
            h('td', {}, row.event.community_id),
            h('td', {}, row.event.platform),
          );
        }),
      ),
    ),
  );
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  control.id = id;
  control.setAttribute('name', id.replace(/^f-/, ''));
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

function select(options: string[]): HTMLSelectElement {
  return h(
    'select',
    {},
    h('option', { value: '' }, 'any'),
    ...options.map((value) => h('option', { value }, value)),
  );
}

/**
 * Interactions: the live tail (newest first, from the live feed) and a search over the log by
 * platform, community, channel, user, status, reason and time range (`GET
 * /api/v1/console/interactions`). Each row opens its detail.
 */
export function interactionsPage(feed: LiveFeed): { element: HTMLElement; dispose(): void } {
  const tail = h('div');
  const results = h('div');
  const resultNote = h('p', { class: 'help', role: 'status' });
  const scope = feed.current?.snapshot.scope;
  const community = h('input', { type: 'text', autocomplete: 'off' });
  if (scope?.community_id) {
    community.value = scope.community_id;
    community.setAttribute('readonly', '');
  }
  const reason = h('input', { type: 'text', list: 'reasons', autocomplete: 'off' });
  const controls = {
    platform: select(PLATFORMS),
    community_id: community,
    channel_id: h('input', { type: 'text', autocomplete: 'off' }),
    user: h('input', { type: 'text', autocomplete: 'off' }),
    status: select(STATUSES),
    reason,
    since: h('input', { type: 'datetime-local' }),
    until: h('input', { type: 'datetime-local' }),
  };
  const form = h(
    'form',
    { class: 'search', 'aria-labelledby': 'search-title' },
    field('f-platform', 'Platform', controls.platform),
    field('f-community', 'Community', controls.community_id),
    field('f-channel', 'Channel', controls.channel_id),
    field('f-user', 'User (id or login)', controls.user),
    field('f-status', 'Status', controls.status),
    field('f-reason', 'Reason', controls.reason),
    h('datalist', { id: 'reasons' }, ...KNOWN_REASONS.map((value) => h('option', { value }))),
    field('f-since', 'From', controls.since),
    field('f-until', 'Until', controls.until),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Search')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ limit: '100' });
    for (const [name, control] of Object.entries(controls)) {
      const value = control.value.trim();
      if (!value) continue;
      // datetime-local is the browser's local time: sent as an ISO instant.
      query.set(name, name === 'since' || name === 'until' ? new Date(value).toISOString() : value);
    }
    resultNote.textContent = 'Searching…';
    api<{ interactions: Interaction[] }>(`/api/v1/console/interactions?${query}`)
      .then((answer) => {
        resultNote.textContent = `${answer.interactions.length} found.`;
        fill(results, interactionTable('Search results', answer.interactions));
      })
      .catch((error: unknown) => {
        resultNote.textContent = `Search failed: ${(error as Error).message}`;
      });
  });

  const renderTail = () => {
    const rows = feed.current?.snapshot.interactions.slice(0, TAIL_ROWS) ?? [];
    // Keep focus on a tail button that survives the update (same interaction).
    const active = document.activeElement;
    const focused =
      active && tail.contains(active) ? active.closest('tr')?.getAttribute('data-id') : undefined;
    fill(tail, interactionTable('Live tail', rows));
    if (focused) tail.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(focused)}"] button`)?.focus();
  };
  renderTail();
  const stop = feed.subscribe((_state, change) => {
    if (change === 'interaction' || change === 'snapshot') renderTail();
  });
  const element = h(
    'div',
    { class: 'stack' },
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'tail-title' },
      h('h2', { id: 'tail-title' }, 'Live tail'),
      tail,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'search-title' },
      h('h2', { id: 'search-title' }, 'Search'),
      form,
      resultNote,
      results,
    ),
  );
  return { element, dispose: stop };
}
