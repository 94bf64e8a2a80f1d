import { h } from '../dom.js';
import { explainReason } from '../reasons.js';
import type { ServerFrame } from './frames.js';

/** What became of one message, as its reply's badge says it. */
type TurnStatus =
  | 'sending'
  | 'queued'
  | 'streaming'
  | 'done'
  | 'ignored'
  | 'rejected'
  | 'error'
  | 'interrupted';

const TONES: Record<TurnStatus, 'good' | 'bad' | 'warn'> = {
  sending: 'warn',
  queued: 'warn',
  streaming: 'warn',
  done: 'good',
  ignored: 'warn',
  rejected: 'bad',
  error: 'bad',
  interrupted: 'bad',
};

/** The bot's side of one message: its reply as it grows, its status and who answered. */
interface BotTurn {
  element: HTMLElement;
  text: Text;
  badge: HTMLElement;
  detail: HTMLElement;
  status: TurnStatus;
  /** When Send was pressed (`performance.now()`, ms): the first delta measures from it. */
  sentAt: number;
}

/** The User Timing measure of Send → first delta shown, per message (see DevTools → Performance). */
export const FIRST_DELTA_MEASURE = 'playground:send-to-first-delta';

/**
 * The playground's transcript: a `role="log"` (polite live region) of the user's messages and the
 * bot's replies. Replies grow with each `delta` frame and are replaced by the `done` frame's final
 * text; each shows its status (sending, queued, streaming, done, ignored with the reason explained,
 * rejected, error with its detail) and the provider, model, mode and fallback reason. Chat text is
 * untrusted: it only ever becomes text nodes.
 */
export class Transcript {
  readonly element = h('div', {
    class: 'transcript',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': 'Transcript',
    tabindex: 0,
  });
  private readonly byClientId = new Map<string, BotTurn>();
  private readonly byInteraction = new Map<string, BotTurn>();
  private count = 0;

  /**
   * Adds the user's message and the reply waiting for it.
   * @returns the message's `client_message_id` (its ack names it).
   */
  addMessage(text: string): string {
    this.count += 1;
    const id = `m${this.count}`;
    const turn = this.botTurn();
    this.byClientId.set(id, turn);
    this.append(
      h('article', { class: 'turn user', 'aria-label': 'You' }, h('p', { class: 'text' }, text)),
      turn.element,
    );
    return id;
  }

  /** A line of the conversation that is no one's message ("New conversation …"). */
  note(text: string): void {
    this.append(h('p', { class: 'note' }, text));
  }

  /**
   * Shows one frame in the reply it belongs to (by `client_message_id`, then `interaction_id`).
   * @returns false for a frame of no message here (a sign-in error, a bad frame): the caller shows it.
   */
  apply(frame: ServerFrame): boolean {
    switch (frame.type) {
      case 'ack': {
        const turn = frame.client_message_id ? this.byClientId.get(frame.client_message_id) : undefined;
        if (!turn) return false;
        this.byInteraction.set(frame.interaction_id, turn);
        if (frame.status === 'queued') this.set(turn, 'queued', '');
        else {
          const why = frame.reason ? ` ${frame.reason}${explainOf(frame.reason)}` : '';
          const retry = frame.retry_after === undefined ? '' : ` Try again in ${frame.retry_after} s.`;
          this.set(turn, frame.status, `${why}${retry}`.trim());
        }
        return true;
      }
      case 'delta': {
        const turn = this.byInteraction.get(frame.interaction_id);
        if (!turn) return false;
        if (turn.status !== 'streaming') {
          performance.measure(FIRST_DELTA_MEASURE, { start: turn.sentAt, end: performance.now() });
          this.set(turn, 'streaming', '');
          turn.element.setAttribute('aria-busy', 'true');
        }
        turn.text.data = frame.replace ? frame.text : turn.text.data + frame.text;
        this.follow();
        return true;
      }
      case 'done': {
        const turn = this.byInteraction.get(frame.interaction_id);
        if (!turn) return false;
        turn.text.data = frame.text || (frame.blocked ? '(nothing sent)' : '');
        const who = [frame.provider, frame.model, frame.mode].filter(Boolean).join(' · ');
        const parts = [
          who,
          frame.fallback_reason ? `Fallback: ${frame.fallback_reason}` : '',
          frame.blocked ? `Blocked: ${frame.blocked}` : '',
        ].filter(Boolean);
        // An ignored message may still get chatgate's notice (the budget): it stays "ignored".
        this.set(
          turn,
          turn.status === 'ignored' ? 'ignored' : 'done',
          parts.join(' · '),
          turn.status === 'ignored',
        );
        this.finish(frame.interaction_id, turn);
        return true;
      }
      case 'error': {
        const turn =
          (frame.interaction_id ? this.byInteraction.get(frame.interaction_id) : undefined) ??
          (frame.client_message_id ? this.byClientId.get(frame.client_message_id) : undefined) ??
          // Frames are handled in order: an error naming nothing answers the oldest message not acked.
          [...this.byClientId.values()].find((waiting) => waiting.status === 'sending');
        if (!turn) return false;
        this.set(turn, 'error', frame.detail);
        this.finish(frame.interaction_id, turn);
        return true;
      }
      default:
        return false;
    }
  }

  /** The socket dropped: replies still on their way will not come. */
  interrupt(): void {
    for (const turn of new Set([...this.byClientId.values(), ...this.byInteraction.values()])) {
      if (['sending', 'queued', 'streaming'].includes(turn.status)) {
        this.set(turn, 'interrupted', 'The connection closed before the reply ended.');
        turn.element.removeAttribute('aria-busy');
      }
    }
    this.byClientId.clear();
    this.byInteraction.clear();
  }

  private botTurn(): BotTurn {
    const text = document.createTextNode('');
    const badge = h('span', { class: 'badge warn' }, 'sending');
    const detail = h('span', { class: 'detail' });
    const element = h(
      'article',
      { class: 'turn bot', 'aria-label': 'Bot', 'data-status': 'sending' },
      h('p', { class: 'text' }, text),
      h('p', { class: 'meta' }, badge, detail),
    );
    return { element, text, badge, detail, status: 'sending', sentAt: performance.now() };
  }

  /** Sets a reply's status badge and its detail line (`keepDetail`: add to it instead). */
  private set(turn: BotTurn, status: TurnStatus, detail: string, keepDetail = false): void {
    turn.status = status;
    turn.element.dataset.status = status;
    turn.badge.textContent = status;
    turn.badge.className = `badge ${TONES[status]}`;
    turn.detail.textContent =
      keepDetail && turn.detail.textContent ? `${turn.detail.textContent} · ${detail}` : detail;
    this.follow();
  }

  /** The reply ended: forget it (a late frame of it is not this transcript's any more). */
  private finish(interactionId: string | undefined, turn: BotTurn): void {
    turn.element.removeAttribute('aria-busy');
    if (interactionId) this.byInteraction.delete(interactionId);
    for (const [id, waiting] of this.byClientId) if (waiting === turn) this.byClientId.delete(id);
  }

  private append(...nodes: Node[]): void {
    const atEnd = this.atEnd();
    this.element.append(...nodes);
    if (atEnd) this.element.scrollTop = this.element.scrollHeight;
  }

  /** Keeps the newest text in view, unless the reader scrolled up to read something older. */
  private follow(): void {
    if (this.atEnd()) this.element.scrollTop = this.element.scrollHeight;
  }

  /** Within a few lines of the bottom (a line or two that just grew still counts), px. */
  private atEnd(): boolean {
    const { scrollTop, scrollHeight, clientHeight } = this.element;
    return scrollHeight - scrollTop - clientHeight <= 96;
  }
}

function explainOf(reason: string): string {
  const explained = explainReason(reason);
  return explained ? ` — ${explained}` : '';
}
