import { h } from '../dom.js';
import type { LiveFeed } from '../live.js';
import { ChatSocket, type SocketState } from '../playground/chat-socket.js';
import type { ServerFrame } from '../playground/frames.js';
import { Transcript } from '../playground/transcript.js';
import { currentKey } from '../session.js';

/** The community an admin chats in when the feed has seen none yet. */
const DEFAULT_COMMUNITY = 'web:playground';
/** The web chat's default longest message, chars (`WEB_CHAT_MAX_TEXT_CHARS`). */
const MAX_TEXT_CHARS = 4000;

function field(id: string, label: string, control: HTMLElement, help?: HTMLElement): HTMLElement {
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, help ?? null);
}

/**
 * The playground: chat with the bot as platform `web` over the web chat's WebSocket, in a chosen
 * community and persona, the reply streamed token by token into the transcript with its status
 * and who answered. The web chat takes every message (triggers off) through the router, with
 * budgets, permissions and blocked terms on. Renders from the live feed's memory and one socket;
 * changing the community or persona starts a new conversation; leaving the page closes the socket.
 */
export function playgroundPage(feed: LiveFeed): { element: HTMLElement; dispose(): void } {
  const snapshot = feed.current?.snapshot;
  const known = snapshot?.communities.map((community) => community.community_id) ?? [];
  const community = h('input', {
    type: 'text',
    list: 'pg-communities',
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: 256,
    'aria-describedby': 'pg-community-help',
  });
  community.value = snapshot?.scope.community_id ?? known[0] ?? DEFAULT_COMMUNITY;
  if (snapshot?.scope.kind === 'client') community.readOnly = true;
  const persona = h('select', {}, h('option', { value: '' }, 'Community’s own'));
  const toggle = h('button', { type: 'button', class: 'secondary' }, 'Disconnect');
  const status = h('p', { class: 'help', role: 'status' }, 'Connecting…');
  const transcript = new Transcript();
  const message = h('textarea', {
    rows: 2,
    maxlength: MAX_TEXT_CHARS,
    'aria-describedby': 'pg-message-help',
  });
  const send = h('button', { type: 'submit', disabled: true }, 'Send');
  const composer = h(
    'form',
    { class: 'composer' },
    field('pg-message', 'Message', message),
    send,
    h(
      'p',
      { id: 'pg-message-help', class: 'help' },
      'Enter sends, Shift+Enter starts a new line. Every message is answered (triggers off); budgets, permissions and blocked terms apply.',
    ),
  );

  let disposed = false;
  /** The last error no message owns (a refused key): shown when the socket closes for it. */
  let lastError = '';
  let socket = open();

  function open(sessionId?: string): ChatSocket {
    const chat = new ChatSocket({
      key: currentKey,
      communityId: community.value,
      ...(persona.value && { personality: persona.value }),
      ...(sessionId !== undefined && { sessionId }),
      onFrame,
      onDropped: () => transcript.interrupt(),
      onState,
    });
    chat.open();
    return chat;
  }

  function onFrame(frame: ServerFrame): void {
    if (disposed) return;
    if (frame.type === 'ready') {
      lastError = '';
      showPersonalities(frame.personalities ?? []);
      return;
    }
    if (frame.type === 'pong' || transcript.apply(frame)) return;
    if (frame.type === 'error') {
      lastError = frame.detail;
      status.textContent = `Error: ${frame.detail}`;
    }
  }

  function onState(state: SocketState): void {
    if (disposed) return;
    send.disabled = state.kind !== 'ready';
    toggle.textContent = state.kind === 'closed' ? 'Connect' : 'Disconnect';
    if (state.kind === 'connecting') status.textContent = 'Connecting…';
    else if (state.kind === 'ready') {
      const as = persona.value ? `, persona ${persona.value}` : '';
      status.textContent = `Connected as ${state.userId} to ${community.value}${as} (session ${state.sessionId}).`;
    } else if (state.kind === 'retrying') {
      status.textContent = `Connection lost (${state.code}); reconnecting in ${Math.round(state.retryInMs / 1000)} s…`;
    } else status.textContent = lastError ? `Closed: ${lastError}` : state.reason;
  }

  /** The persona choices the server named; the chosen one stays chosen. */
  function showPersonalities(names: readonly string[]): void {
    const shown = [...persona.options].slice(1).map((option) => option.value);
    if (shown.join('\n') === names.join('\n')) return;
    const chosen = persona.value;
    persona.replaceChildren(
      h('option', { value: '' }, 'Community’s own'),
      ...names.map((name) => h('option', { value: name }, name)),
    );
    persona.value = names.includes(chosen) ? chosen : '';
  }

  /** A new conversation (another community or persona): a new socket and session. */
  function restart(): void {
    socket.close();
    const as = persona.value ? `persona ${persona.value}` : 'the community’s persona';
    transcript.note(`New conversation in ${community.value}, with ${as}.`);
    socket = open();
  }

  let chosenCommunity = community.value;
  community.addEventListener('change', () => {
    const value = community.value.trim();
    if (!value) community.value = chosenCommunity;
    else community.value = value;
    if (community.value === chosenCommunity) return;
    chosenCommunity = community.value;
    restart();
  });
  persona.addEventListener('change', restart);
  toggle.addEventListener('click', () => {
    if (toggle.textContent === 'Connect') socket.open();
    else socket.close();
  });
  message.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    composer.requestSubmit();
  });
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = message.value;
    if (!text.trim() || !socket.isReady) return;
    const id = transcript.addMessage(text);
    if (!socket.send(text, id)) {
      transcript.apply({
        type: 'error',
        code: 'not_sent',
        detail: 'Not sent: not connected.',
        client_message_id: id,
      });
      return;
    }
    message.value = '';
  });

  const element = h(
    'section',
    { class: 'card playground', 'aria-labelledby': 'playground-title' },
    h('h2', { id: 'playground-title' }, 'Chat with the bot'),
    h(
      'div',
      { class: 'playground-settings' },
      field(
        'pg-community',
        'Community',
        community,
        h(
          'p',
          { id: 'pg-community-help', class: 'help' },
          snapshot?.scope.kind === 'client'
            ? 'Your key’s community.'
            : 'Any community id; seen ones are suggested.',
        ),
      ),
      h('datalist', { id: 'pg-communities' }, ...known.map((value) => h('option', { value }))),
      field('pg-persona', 'Persona', persona),
      h('div', { class: 'actions' }, toggle),
    ),
    status,
    transcript.element,
    composer,
  );
  return {
    element,
    dispose: () => {
      disposed = true;
      socket.close();
    },
  };
}
