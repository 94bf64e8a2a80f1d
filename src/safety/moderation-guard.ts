import type { ChatModerationState } from './chat-moderation-state.js';
import type { GuardInput, IngestGuard, Refusal } from './guards.js';

/**
 * The ingest guard of the chat moderation state: an event in a paused channel (`!ai off`) is
 * ignored with reason `paused`; one from a user who is timed out or banned on the platform (or was
 * moderated after the event was received) with reason `moderated`. No notice: a paused bot stays
 * silent, and a moderated user cannot read it. One shared-state round trip per event.
 */
export function moderationGuard(state: ChatModerationState): IngestGuard {
  return {
    name: 'chat_moderation',
    async check({ event }: GuardInput): Promise<Refusal | undefined> {
      const reason = await state.ingestRefusal(event);
      return reason ? { reason } : undefined;
    },
  };
}
