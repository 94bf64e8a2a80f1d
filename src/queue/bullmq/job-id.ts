import { createHash } from 'node:crypto';

/** Ids longer than this (in characters) are hashed, so a Redis key never grows with the input. */
const MAX_READABLE_ID = 200;

/** Printable ASCII without the space: what stays readable in a Redis key and a log line. */
const PLAIN_ASCII = /^[\x21-\x7e]*$/;

/**
 * The BullMQ job id for a ChatEvent id. BullMQ refuses custom ids that contain ':' or that read as
 * an integer, and ChatEvent ids are `platform:messageId`, so the id is escaped ('%' → '%25',
 * ':' → '%3A', which is injective) and prefixed with `evt-`. An id longer than 200 characters, or
 * with anything but printable ASCII, becomes `evt-sha256-<hex>` instead: ioredis sends keys as
 * UTF-8, which turns a lone surrogate into U+FFFD, so BullMQ would store the job under one key and
 * look for it under another ("Missing key for job … moveToFinished", and the job runs again at every
 * stalled check). The hash is over the id's UTF-16 code units, so two ids that UTF-8 would make
 * equal stay distinct. The same event id always yields the same job id, which is what makes two
 * instances that see one platform message add one job.
 */
export function jobIdForEvent(eventId: string): string {
  if (eventId.length > MAX_READABLE_ID || !PLAIN_ASCII.test(eventId)) {
    return `evt-sha256-${createHash('sha256').update(Buffer.from(eventId, 'utf16le')).digest('hex')}`;
  }
  return `evt-${eventId.replaceAll('%', '%25').replaceAll(':', '%3A')}`;
}
