import { fill, h } from '../dom.js';
import type { LiveFeed } from '../live.js';

/**
 * Usage: for the admin key, the figures of `usage/usage-view.ts`, fetched with `import()` on the
 * first visit (it brings chart.js, so that the other pages' first load does not carry it). A
 * read-only (client key) session sees a notice instead and makes no call: usage is the admin's to
 * read (the API answers 403 to any other key).
 */
export function usagePage(feed: LiveFeed): { element: HTMLElement; dispose(): void } {
  const scope = feed.current?.snapshot.scope;
  if (!scope || scope.read_only || scope.kind !== 'admin') {
    const notice = h(
      'section',
      { class: 'card', 'aria-labelledby': 'usage-title' },
      h('h2', { id: 'usage-title' }, 'Usage'),
      h(
        'p',
        { role: 'status' },
        'Usage figures need the admin key: a client key cannot read them. Sign in with CHATGATE_ADMIN_KEY to see tokens and requests per day, user and key.',
      ),
    );
    return { element: h('div', { class: 'stack' }, notice), dispose: () => {} };
  }

  const status = h('p', { class: 'help', role: 'status' }, 'Loading the usage page…');
  const element = h('div', {}, status);
  let view: { dispose(): void } | undefined;
  let disposed = false;
  import('../usage/usage-view.js')
    .then(({ usageView }) => {
      if (disposed) return;
      const built = usageView(feed);
      view = built;
      fill(element, built.element);
    })
    .catch((error: unknown) => {
      if (!disposed) status.textContent = `Could not load the usage page: ${(error as Error).message}`;
    });
  return {
    element,
    dispose() {
      disposed = true;
      view?.dispose();
    },
  };
}
