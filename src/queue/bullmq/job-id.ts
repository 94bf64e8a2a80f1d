import { createHash } from 'node:crypto';

/** Ids longer than this (in characters) are hashed, so a Redis key never grows with the input. */
const MAX_READABLE_ID = 200;

/**
 * The BullMQ job id for a ChatEvent id. BullMQ refuses custom ids that contain ':' or that read as
 * an integer, and ChatEvent ids are `platform:messageId`, so the id is escaped ('%' → '%25',
 * ':' → '%3A', which is injective) and prefixed with `evt-`. An id longer than 200 characters
 * becomes `evt-sha256-<hex>` instead. The same event id always yields the same job id, which is
 * what makes two instances that see one platform message add one job.
 */
export function jobIdForEvent(eventId: string): string {
  if (eventId.length > MAX_READABLE_ID) {
    return `evt-sha256-${createHash('sha256').update(eventId).digest('hex')}`;
  }
  return `evt-${eventId.replaceAll('%', '%25').replaceAll(':', '%3A')}`;
}
