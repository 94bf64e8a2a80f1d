import '../communities/communities.css';
import { api } from '../api.js';
import type { CommunityConfig, CommunityPage } from '../communities/config-types.js';
import { fill, h, localTime } from '../dom.js';
import type { LiveFeed } from '../live.js';

/** The editor's module, loaded on first use. */
const workbench = () => import('../communities/workbench.js');
type Workbench = Awaited<ReturnType<typeof workbench>>['communityWorkbench'];

/** Stored configs listed (the API's largest page); more are opened by id. */
const LIST_LIMIT = 200;
/** The longest community id the API takes. */
const MAX_ID_CHARS = 256;

/** A community with nothing stored: every field unset (the defaults apply). */
function blank(communityId: string): CommunityConfig {
  return {
    community_id: communityId,
    stored: false,
    provider: null,
    model: null,
    base_url: null,
    has_api_key: false,
    temperature: null,
    max_tokens: null,
    system_prompt: null,
    personality: null,
    fallback_provider: null,
    triggers: null,
    context_scope: null,
    enabled: null,
    response_cache: null,
    permissions: null,
    budgets: null,
    moderation: null,
    stream_replies: null,
    background_context: null,
    channels: null,
    updated_at: null,
  };
}

/** What the page says to a client key: the config API takes the admin key only (it answers 403). */
function readOnlyNotice(communityId: string | null): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'communities-title' },
    h('h2', { id: 'communities-title' }, 'Communities'),
    h(
      'p',
      {},
      `Signed in with a client key (${communityId ?? 'no community'}, read-only). Community settings `,
      'are read and changed with the admin key only: chatgate does not show them to a client key.',
    ),
  );
}

/**
 * Communities: the stored configs (`GET /api/v1/communities`, one call) with the communities the
 * live feed has seen, and an id field for any other; choosing one opens its editor (from the
 * list's data: no further API call; the editor's script is loaded on first use) and its Test panel. A client key gets a notice instead (the
 * config routes are the admin's).
 */
export function communitiesPage(feed: LiveFeed): { element: HTMLElement; dispose(): void } {
  const scope = feed.current?.snapshot.scope;
  if (scope?.read_only) return { element: readOnlyNotice(scope.community_id), dispose: () => {} };

  const configs = new Map<string, CommunityConfig>();
  let total = 0;
  let chosen: string | undefined;
  let shownList = '';
  // Until the stored configs are in, a seen community could open as "nothing stored" by mistake.
  let loaded = false;
  let listFailed = false;
  const note = h('p', { class: 'help', role: 'status' }, 'Loading…');
  const list = h('ul', { class: 'community-list' });
  const editorArea = h(
    'div',
    { class: 'editor-area' },
    h('p', { class: 'help card' }, 'Choose a community to edit its config.'),
  );

  const renderList = () => {
    if (!loaded) return;
    const seen = feed.current?.snapshot.communities.map((community) => community.community_id) ?? [];
    const ids = [...new Set([...configs.keys(), ...seen, ...(chosen ? [chosen] : [])])];
    const key = ids.map((id) => `${id}\u0000${configs.get(id)?.stored ?? false}`).join('\n') + chosen;
    if (key === shownList) return;
    shownList = key;
    const focused = list.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset.community
      : undefined;
    fill(
      list,
      ...ids.map((id) => {
        const stored = configs.get(id)?.stored ?? false;
        const button = h(
          'button',
          {
            type: 'button',
            class: 'community-choice',
            'data-community': id,
            'aria-current': id === chosen ? 'true' : undefined,
          },
          h('span', { class: 'community-id' }, id),
          h('span', { class: `badge ${stored ? 'good' : 'warn'}` }, stored ? 'configured' : 'defaults'),
        );
        button.addEventListener('click', () => choose(id));
        return h('li', {}, button);
      }),
    );
    if (ids.length === 0) fill(list, h('li', { class: 'help' }, 'No community is configured or seen yet.'));
    if (focused) list.querySelector<HTMLElement>(`[data-community="${CSS.escape(focused)}"]`)?.focus();
  };

  /**
   * The config of `communityId`: from the list when it is there or the list is complete, else
   * read (`GET …/config`: the list not back yet, past its first page, or it failed).
   */
  const configOf = async (communityId: string): Promise<CommunityConfig> => {
    const listed = configs.get(communityId);
    // Before the list is in, "not listed" says nothing: a stored config would open as the defaults.
    if (listed || (loaded && !listFailed && total <= configs.size)) return listed ?? blank(communityId);
    const config = await api<CommunityConfig>(
      `/api/v1/communities/${encodeURIComponent(communityId)}/config`,
    );
    if (config.stored) configs.set(communityId, config);
    return config;
  };

  // Only the last community chosen is shown, whichever answer comes last.
  let opening = 0;
  const choose = (communityId: string) => {
    const ticket = ++opening;
    Promise.all([configOf(communityId), workbench()])
      .then(([config, module]) => {
        if (ticket === opening) show(communityId, config, module.communityWorkbench);
      })
      .catch((error: unknown) => {
        note.textContent = `Could not open ${communityId}: ${(error as Error).message}`;
      });
  };

  const show = (communityId: string, config: CommunityConfig, build: Workbench) => {
    chosen = communityId;
    const headingId = 'community-title';
    const when = h('p', { class: 'help', role: 'status' });
    const describe = (current: CommunityConfig) => {
      when.textContent = current.stored
        ? `Stored; last changed ${localTime(current.updated_at)}.`
        : 'Nothing stored: the defaults apply.';
    };
    describe(config);
    const heading = h('h2', { id: headingId, tabindex: -1 }, communityId);
    fill(
      editorArea,
      h('section', { class: 'card community-head', 'aria-labelledby': headingId }, heading, when),
      ...build(config, (saved) => {
        configs.set(communityId, saved);
        describe(saved);
        renderList();
      }),
    );
    renderList();
    heading.focus();
  };

  const openId = h('input', {
    type: 'text',
    id: 'open-community',
    autocomplete: 'off',
    maxlength: MAX_ID_CHARS,
  });
  const openError = h('p', { id: 'open-community-error', class: 'error' });
  const openForm = h(
    'form',
    { class: 'open-community', novalidate: true },
    h(
      'div',
      { class: 'field' },
      h('label', { for: openId.id }, 'Community id'),
      openId,
      h(
        'p',
        { id: 'open-community-hint', class: 'help' },
        'e.g. twitch:channel:<room-id>, discord:guild:<id>',
      ),
      openError,
    ),
    h('button', { type: 'submit', class: 'secondary' }, 'Open'),
  );
  openId.setAttribute('aria-describedby', 'open-community-hint open-community-error');
  openForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = openId.value.trim();
    openError.textContent = id ? '' : 'Type a community id.';
    if (!id) {
      openId.setAttribute('aria-invalid', 'true');
      openId.focus();
      return;
    }
    openId.removeAttribute('aria-invalid');
    openId.value = '';
    choose(id);
  });

  api<CommunityPage>(`/api/v1/communities?limit=${LIST_LIMIT}`)
    .then((page) => {
      loaded = true;
      total = page.total;
      for (const config of page.communities) configs.set(config.community_id, config);
      note.textContent =
        total > page.communities.length
          ? `${page.communities.length} of ${total} stored configs shown (newest first); open others by id.`
          : `${total} stored ${total === 1 ? 'config' : 'configs'}; the others take the defaults.`;
      renderList();
    })
    .catch((error: unknown) => {
      note.textContent = `Could not list the configs: ${(error as Error).message}`;
      // The seen communities and "open by id" still work: each config is then read when opened.
      loaded = true;
      listFailed = true;
      renderList();
    });

  const stop = feed.subscribe((_state, change) => {
    if (change === 'interaction' || change === 'snapshot') renderList();
  });
  const element = h(
    'div',
    { class: 'communities-page' },
    h(
      'section',
      { class: 'card community-picker', 'aria-labelledby': 'communities-title' },
      h('h2', { id: 'communities-title' }, 'Communities'),
      note,
      list,
      openForm,
    ),
    editorArea,
  );
  return { element, dispose: stop };
}
