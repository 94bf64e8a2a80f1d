import './style.css';
import type { ApiError } from './api.js';
import { fill, h } from './dom.js';
import { LiveFeed } from './live.js';
import { communitiesPage } from './pages/communities.js';
import { interactionsPage } from './pages/interactions.js';
import { overviewPage } from './pages/overview.js';
import { playgroundPage } from './pages/playground.js';
import { signInPage } from './pages/sign-in.js';
import { usagePage } from './pages/usage.js';
import { currentKey, signIn, signOut } from './session.js';

const root = document.getElementById('app') as HTMLElement;
const PAGES = {
  overview: { title: 'Overview', build: overviewPage },
  interactions: { title: 'Interactions', build: interactionsPage },
  communities: { title: 'Communities', build: communitiesPage },
  usage: { title: 'Usage', build: usagePage },
  playground: { title: 'Playground', build: playgroundPage },
} as const;
type PageName = keyof typeof PAGES;

let feed: LiveFeed | undefined;
let page: { dispose(): void } | undefined;

/** The page named by the location's hash (`#/overview`, `#/interactions`); the overview by default. */
function pageOfHash(): PageName {
  const name = location.hash.replace(/^#\/?/, '');
  // Own keys only: `#/toString` is no page (`in` would find Object.prototype's).
  return Object.hasOwn(PAGES, name) ? (name as PageName) : 'overview';
}

function showSignIn(message?: string): void {
  page?.dispose();
  page = undefined;
  document.title = 'Sign in · chatgate console';
  const form = signInPage(async (key) => {
    signIn(key);
    try {
      // The stream's first answer checks the key (401/403 reject here) and brings the snapshot.
      const live = new LiveFeed((error: ApiError) => end(`Signed out: ${error.message}`));
      await live.start();
      feed = live;
      showShell();
    } catch (error) {
      signOut();
      throw error;
    }
  });
  fill(root, h('main', { id: 'main', class: 'center' }, form));
  if (message) form.querySelector('.error')?.append(message);
}

/** Signs out: forgets the key, closes the stream, back to the sign-in form. */
function end(message?: string): void {
  signOut();
  feed?.stop();
  feed = undefined;
  showSignIn(message);
}

function showShell(): void {
  if (!feed?.current) return;
  const { scope } = feed.current.snapshot;
  const connection = h('span', { class: 'connection', role: 'status' }, 'Live');
  const nav = h(
    'nav',
    { 'aria-label': 'Pages' },
    ...Object.entries(PAGES).map(([name, { title }]) =>
      h('a', { href: `#/${name}`, 'data-page': name }, title),
    ),
  );
  const signOutButton = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOutButton.addEventListener('click', () => end());
  const main = h('main', { id: 'main', tabindex: -1 });
  fill(
    root,
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'chatgate'),
      nav,
      h(
        'span',
        { class: 'who' },
        scope.read_only ? `Read-only: ${scope.community_id}` : 'Admin',
        ' · ',
        connection,
      ),
      signOutButton,
    ),
    main,
  );
  feed.subscribe((state, change) => {
    if (change === 'connection' || change === 'snapshot') {
      connection.textContent = state.connected ? 'Live' : 'Reconnecting…';
    }
  });
  const route = () => {
    if (!feed) return;
    const name = pageOfHash();
    page?.dispose();
    const built = PAGES[name].build(feed);
    page = built;
    fill(main, h('h1', { class: 'visually-hidden' }, PAGES[name].title), built.element);
    document.title = `${PAGES[name].title} · chatgate console`;
    for (const link of nav.querySelectorAll('a')) {
      if (link.dataset.page === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  };
  window.onhashchange = () => {
    route();
    main.focus();
  };
  route();
}

if (currentKey()) showShell();
else showSignIn();
