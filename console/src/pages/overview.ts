import { api } from '../api.js';
import { ago, fill, h } from '../dom.js';
import type { LiveFeed, LiveState } from '../live.js';
import type { Status } from '../types.js';

const MODES = ['hybrid', 'remote', 'local'] as const;

/** A status word as a badge; the word itself carries the meaning (colour only helps). */
function badge(word: string): HTMLElement {
  const tone = ['online', 'up', 'closed', 'ok', 'redis', 'postgres', 'pglite'].includes(word)
    ? 'good'
    : ['offline', 'down', 'open', 'degraded'].includes(word)
      ? 'bad'
      : 'warn';
  return h('span', { class: `badge ${tone}` }, word);
}

/** A table in a keyboard-scrollable box (narrow screens scroll it sideways). */
function table(label: string, head: string[], rows: (Node | string)[][]): HTMLElement {
  return h(
    'div',
    { class: 'scroll', role: 'region', 'aria-label': label, tabindex: 0 },
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, ...head.map((cell) => h('th', { scope: 'col' }, cell)))),
      h('tbody', {}, ...rows.map((row) => h('tr', {}, ...row.map((cell) => h('td', {}, cell))))),
    ),
  );
}

function section(id: string, title: string, ...body: (Node | null)[]): HTMLElement {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...body);
}

/**
 * The overview: platform adapters, provider endpoints, queue, stores, the chat mode and a pause
 * switch per community, kept current by the live feed (no polling). Admin-only controls are shown
 * disabled for a read-only (client key) session.
 */
export function overviewPage(feed: LiveFeed): { element: HTMLElement; dispose(): void } {
  const platforms = h('div');
  const providers = h('div');
  const queue = h('div');
  const stores = h('div');
  const modeNote = h('p', { class: 'help', role: 'status' });
  const modeRadios = MODES.map((mode) =>
    h('input', { type: 'radio', name: 'mode', id: `mode-${mode}`, value: mode }),
  );
  const modeSet = h(
    'fieldset',
    { class: 'modes' },
    h('legend', {}, 'Chat mode'),
    ...MODES.map((mode, index) =>
      h(
        'div',
        { class: 'choice' },
        modeRadios[index] as HTMLInputElement,
        h('label', { for: `mode-${mode}` }, mode),
      ),
    ),
  );
  const communities = h('ul', { class: 'communities' });
  const communityNote = h('p', { class: 'help', role: 'status' });

  for (const radio of modeRadios) {
    radio.addEventListener('change', () => {
      const mode = radio.value as Status['mode'];
      modeNote.textContent = `Switching to ${mode}…`;
      api<{ mode: Status['mode'] }>('/api/v1/ai/admin/mode', { method: 'POST', body: { mode } })
        .then((answer) => {
          feed.patchStatus({ mode: answer.mode });
          modeNote.textContent = `Mode: ${answer.mode}.`;
        })
        .catch((error: unknown) => {
          modeNote.textContent = `Could not switch: ${(error as Error).message}`;
          render(feed.current);
        });
    });
  }

  // Undefined until the first render, so that an empty list also gets its line.
  let shownCommunities: string | undefined;
  const render = (state: LiveState | undefined) => {
    if (!state) return;
    const { status, channels, scope } = state.snapshot;
    fill(
      platforms,
      status.platforms.length === 0
        ? h('p', { class: 'help' }, 'No platform adapter is configured.')
        : table(
            'Platforms',
            ['Platform', 'Status', 'Last event', 'Channels', 'Error'],
            status.platforms.map((row) => [
              row.platform,
              badge(row.status),
              ago(row.last_event_at),
              (channels[row.platform] ?? []).join(', ') || '—',
              row.error ?? '—',
            ]),
          ),
    );
    fill(
      providers,
      status.providers.length === 0
        ? h('p', { class: 'help' }, 'No remote provider in use (local replies only).')
        : table(
            'Providers',
            ['Provider', 'Endpoint', 'Breaker', 'Last check', 'Latency', 'Health'],
            status.providers.map((row) => [
              row.provider,
              row.endpoint,
              badge(row.breaker),
              ago(row.health?.checked_at ?? null),
              row.health ? `${row.health.latency_ms} ms` : '—',
              row.health ? badge(row.health.result) : '—',
            ]),
          ),
    );
    const failed = status.queue.failed.count;
    fill(
      queue,
      h(
        'dl',
        { class: 'figures' },
        h('div', {}, h('dt', {}, 'Waiting'), h('dd', {}, String(status.queue.size))),
        h('div', {}, h('dt', {}, 'Running'), h('dd', {}, String(status.queue.running))),
        h('div', {}, h('dt', {}, 'Failed'), h('dd', {}, failed === null ? 'unknown' : String(failed))),
        h('div', {}, h('dt', {}, 'Backend'), h('dd', {}, status.queue.backend)),
      ),
    );
    fill(
      stores,
      h(
        'dl',
        { class: 'figures' },
        ...Object.entries(status.stores).map(([name, value]) =>
          h('div', {}, h('dt', {}, name.replace(/_/g, ' ')), h('dd', {}, badge(String(value)))),
        ),
      ),
    );
    for (const radio of modeRadios) {
      radio.checked = radio.value === status.mode;
      radio.disabled = scope.read_only;
    }
    renderCommunities(state);
  };

  const renderCommunities = (state: LiveState) => {
    const { communities: list, scope } = state.snapshot;
    const ids = list.map((community) => community.community_id).join('\n');
    if (ids !== shownCommunities) {
      shownCommunities = ids;
      fill(
        communities,
        ...list.map((community, index) => {
          const id = `pause-${index}`;
          const toggle = h('input', {
            type: 'checkbox',
            role: 'switch',
            id,
            'data-community': community.community_id,
            disabled: scope.read_only,
          });
          toggle.addEventListener('change', () => setPaused(community.community_id, toggle));
          return h('li', {}, toggle, h('label', { for: id }, `Pause ${community.community_id}`));
        }),
      );
      if (list.length === 0)
        fill(communities, h('li', { class: 'help' }, 'No community has sent an event yet.'));
    }
    for (const community of list) {
      const toggle = communities.querySelector<HTMLInputElement>(
        `input[data-community="${CSS.escape(community.community_id)}"]`,
      );
      if (toggle) toggle.checked = community.paused;
    }
  };

  const setPaused = (communityId: string, toggle: HTMLInputElement) => {
    const paused = toggle.checked;
    communityNote.textContent = `${paused ? 'Pausing' : 'Resuming'} ${communityId}…`;
    api<{ paused: boolean }>(`/api/v1/communities/${encodeURIComponent(communityId)}/pause`, {
      method: 'PUT',
      body: { paused },
    })
      .then((answer) => {
        feed.patchPause(communityId, answer.paused);
        communityNote.textContent = `${communityId} is ${answer.paused ? 'paused' : 'answering'}.`;
      })
      .catch((error: unknown) => {
        toggle.checked = !paused;
        communityNote.textContent = `Could not change ${communityId}: ${(error as Error).message}`;
      });
  };

  const element = h(
    'div',
    { class: 'grid' },
    section('platforms-title', 'Platforms', platforms),
    section('providers-title', 'Providers', providers),
    section('queue-title', 'Queue', queue),
    section('stores-title', 'Stores', stores),
    section('mode-title', 'Mode', modeSet, modeNote),
    section('communities-title', 'Communities', communities, communityNote),
  );
  render(feed.current);
  const stop = feed.subscribe((state, change) => {
    if (change !== 'interaction') render(state);
    else renderCommunities(state);
  });
  return { element, dispose: stop };
}
