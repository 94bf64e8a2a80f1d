/**
 * EventSub deliveries over webhooks (https://dev.twitch.tv/docs/eventsub/handling-webhook-events/):
 * each POST carries `Twitch-Eventsub-Message-Id`, `-Message-Timestamp`, `-Message-Signature`
 * (`sha256=` + hex HMAC-SHA256 of id + timestamp + the raw body, keyed with the subscription's
 * secret) and `-Message-Type` (`notification`, `webhook_callback_verification`, `revocation`).
 * A delivery is refused (403, logged) when its signature does not match (compared in constant time)
 * or its timestamp is more than 10 minutes away; one whose message id was seen before is answered
 * 204 and dropped (Twitch resends until it gets a 2xx). A verification is answered with its
 * `challenge` as plain text.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { PlatformRequest, PlatformResponse } from '../../../src/core/platform.js';

/** Twitch's replay window: older (or further in the future) deliveries are refused, ms. */
export const REPLAY_WINDOW_MS = 10 * 60_000;

/** What a delivery asks of the adapter once it passed the checks. */
export type WebhookDelivery =
  | { kind: 'notification'; messageId: string; type: string; event: Record<string, unknown> }
  | { kind: 'revocation'; subscription: Record<string, unknown> };

/** Why a delivery was refused or dropped, for the log line. */
export type WebhookRefusal =
  | 'missing_headers'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'bad_body'
  | 'duplicate';

/** What receiving a delivery needs. */
export interface WebhookReceiverOptions {
  secret: string;
  /** ms since the epoch. */
  now(): number;
  deliver(delivery: WebhookDelivery): void;
  /** A refused or dropped delivery, logged by the adapter (no body, no secret). */
  refused(reason: WebhookRefusal, messageId: string | undefined): void;
}

const HEADER = {
  id: 'twitch-eventsub-message-id',
  timestamp: 'twitch-eventsub-message-timestamp',
  signature: 'twitch-eventsub-message-signature',
  type: 'twitch-eventsub-message-type',
} as const;

/** `sha256=<hex>` of `id + timestamp + body` under `secret`, as Twitch signs a delivery. */
export function signDelivery(secret: string, id: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret)
    .update(id + timestamp + body)
    .digest('hex')}`;
}

/**
 * Checks and reads webhook deliveries; remembers message ids (10 000, for the replay window) so
 * that a resent delivery is answered but not handled twice.
 *
 * @example
 * const receiver = new WebhookReceiver({ secret, now: Date.now, deliver, refused });
 * const answer = receiver.receive({ headers, body: rawText, params: {} });
 */
export class WebhookReceiver {
  private readonly seen = new LRUCache<string, true>({ max: 10_000, ttl: REPLAY_WINDOW_MS * 2 });

  constructor(private readonly options: WebhookReceiverOptions) {}

  /** Answers one delivery (see the file comment). Never throws. */
  receive(request: PlatformRequest): PlatformResponse {
    const id = header(request, HEADER.id);
    const timestamp = header(request, HEADER.timestamp);
    const signature = header(request, HEADER.signature);
    const type = header(request, HEADER.type);
    const body = typeof request.body === 'string' ? request.body : '';
    if (!id || !timestamp || !signature || !type) return this.refuse('missing_headers', id);
    if (!sameSignature(signature, signDelivery(this.options.secret, id, timestamp, body))) {
      return this.refuse('bad_signature', id);
    }
    const sentAt = Date.parse(timestamp);
    if (!Number.isFinite(sentAt) || Math.abs(this.options.now() - sentAt) > REPLAY_WINDOW_MS) {
      return this.refuse('stale_timestamp', id);
    }
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return this.refuse('bad_body', id);
    }
    if (payload === null || typeof payload !== 'object') return this.refuse('bad_body', id);
    if (type === 'webhook_callback_verification') {
      const challenge = payload.challenge;
      if (typeof challenge !== 'string') return this.refuse('bad_body', id);
      return { status: 200, body: challenge };
    }
    if (this.seen.has(id)) {
      this.options.refused('duplicate', id);
      return { status: 204 };
    }
    this.seen.set(id, true);
    const subscription = objectOf(payload.subscription);
    if (type === 'revocation') {
      this.options.deliver({ kind: 'revocation', subscription });
    } else if (type === 'notification') {
      const event = objectOf(payload.event);
      this.options.deliver({
        kind: 'notification',
        messageId: id,
        type: String(subscription.type ?? ''),
        event,
      });
    }
    return { status: 204 };
  }

  private refuse(reason: WebhookRefusal, id: string | undefined): PlatformResponse {
    this.options.refused(reason, id);
    const detail =
      reason === 'bad_body'
        ? 'the delivery body is not the JSON Twitch sends'
        : 'the delivery is not signed by Twitch, or is too old';
    return {
      status: reason === 'bad_body' ? 400 : 403,
      error: { code: reason === 'bad_body' ? 'bad_request' : 'forbidden', detail },
    };
  }
}

function header(request: Pick<PlatformRequest, 'headers'>, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** Constant-time comparison of two signatures (different lengths are simply unequal). */
function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function objectOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
