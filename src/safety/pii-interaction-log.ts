import type { Interaction, InteractionLog, InteractionReply } from '../stores/interaction-log.js';
import { maskPii } from './pii.js';

/**
 * An interaction log that stores message text with personal data masked (`maskPii`), whatever a
 * community's `moderation.piiRedaction` says (issue "Made for crowds": the log is read by operators
 * and kept for days; the chat's e-mail addresses and phone numbers are not theirs to keep). The
 * event's `text` and the reply's `text` are masked on their way in; everything else passes as is.
 * Reads return what was stored.
 */
export class PiiMaskingInteractionLog implements InteractionLog {
  constructor(private readonly inner: InteractionLog) {}

  get status(): 'ok' | 'degraded' | undefined {
    return this.inner.status;
  }

  add(interaction: Interaction): Promise<void> {
    const text = maskPii(interaction.event.text);
    const event = text === interaction.event.text ? interaction.event : { ...interaction.event, text };
    const reply = interaction.reply && maskedReply(interaction.reply);
    return this.inner.add({ ...interaction, event, ...(reply ? { reply } : {}) });
  }

  update(id: string, patch: Partial<Omit<Interaction, 'id' | 'event'>>): Promise<void> {
    return this.inner.update(id, patch.reply ? { ...patch, reply: maskedReply(patch.reply) } : patch);
  }

  get(id: string): Promise<Interaction | undefined> {
    return this.inner.get(id);
  }

  list(filter: Parameters<InteractionLog['list']>[0]): Promise<Interaction[]> {
    return this.inner.list(filter);
  }
}

function maskedReply(reply: InteractionReply): InteractionReply {
  const text = maskPii(reply.text);
  return text === reply.text ? reply : { ...reply, text };
}
