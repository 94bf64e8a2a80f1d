import type { ChatModerationState } from '../safety/chat-moderation-state.js';
import { listed } from '../safety/permissions.js';
import type { TextModeration } from '../safety/text-moderation.js';
import {
  CHATTER_LINE_MAX_CHARS,
  type ChatterStore,
  chatterEnabled,
  chatterKey,
} from '../stores/chatter-store.js';
import { truncate } from '../worker/clean-reply.js';
import type { IngestObserver, ObservedEvent } from './router.js';

/**
 * Why a line was not answered that still makes it ordinary chatter: nobody addressed the bot
 * (`no_trigger`), or the bot chose not to answer (`probability`, `cooldown`, `reply_cap`), or the
 * user may not use that trigger (`role`) or has used up the budget (`budget`). Every other reason
 * keeps the line out: moderation's (`blocked_user`, `blocked_term`, `moderated`, `paused`,
 * `loop_guard`), commands, a disabled community, and any reason added later until it is listed here.
 */
const ORDINARY_REASONS: ReadonlySet<string> = new Set([
  'no_trigger',
  'probability',
  'cooldown',
  'reply_cap',
  'role',
  'budget',
]);

/** What `ChatterRecorder` works with. */
export interface ChatterRecorderDeps {
  store: Pick<ChatterStore, 'add'>;
  /** PII masking (`promptText`) and the community's blocked terms. */
  moderation: Pick<TextModeration, 'promptText' | 'blockedTerm'>;
  /** Paused channels and moderated users (`paused`, `moderated`), asked for every line to keep. */
  chatModeration?: Pick<ChatModerationState, 'ingestRefusal'>;
}

/**
 * Records a channel's unaddressed chatter for the next answer's background (a router observer,
 * see `RouterDeps.observers`): a human's chat message (not a bot's, not a direct message) that
 * was ignored for an ordinary reason (`ORDINARY_REASONS`), when the community's
 * `backgroundContext` is on. Left out as well, since the router runs these checks only on
 * triggered events: users on `permissions.blockUsers`, lines holding one of the community's
 * blocked terms, lines in a paused channel (`!ai off`) and lines of a user timed out or banned on
 * the platform (also one received before the ban and recorded after it was forgotten). The
 * text is stored as the provider may see it (PII masked per `moderation.piiRedaction`, like the
 * asker's own text) and cut to `CHATTER_LINE_MAX_CHARS` (code points, with an ellipsis).
 * @throws whatever the store throws (the router logs it; the ack stands).
 */
export class ChatterRecorder implements IngestObserver {
  constructor(private readonly deps: ChatterRecorderDeps) {}

  async observe({ event, ack, community }: ObservedEvent): Promise<void> {
    const window = community.backgroundContext;
    if (!chatterEnabled(window)) return;
    if (ack.status !== 'ignored' || !ORDINARY_REASONS.has(ack.reason ?? '')) return;
    if (event.type !== 'message' || event.isDirect || event.user.isBot) return;
    if (event.text.trim() === '') return;
    if (listed(community.permissions.blockUsers, event.user)) return;
    const { moderation, chatModeration, store } = this.deps;
    if (moderation.blockedTerm(event.text, community) !== undefined) return;
    if (await chatModeration?.ingestRefusal(event)) return;
    const text = truncate(moderation.promptText(event.text, community).trim(), CHATTER_LINE_MAX_CHARS);
    const { user } = event;
    await store.add(
      chatterKey(event.communityId, event.channelId),
      {
        id: event.id,
        speaker: user.displayName || user.login || 'someone',
        userId: user.id,
        ...(user.login ? { login: user.login } : {}),
        text,
      },
      window,
    );
  }
}
