/**
 * The fake Twitch's webhook side (https://dev.twitch.tv/docs/eventsub/handling-webhook-events/):
 * POSTs to a subscription's callback with the `Twitch-Eventsub-Message-*` headers, signed
 * `sha256=` + hex HMAC-SHA256(secret, id + timestamp + body); the `webhook_callback_verification`
 * whose `challenge` must come back as the body. POSTs go through a sender: over HTTP by default,
 * or handed to `app.inject` by a test.
 */
import { createHmac, randomUUID } from 'node:crypto';

/** One webhook POST as the fake makes it. */
export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** How the fake posts to a webhook callback: the status and body of the answer. */
export type WebhookSender = (post: WebhookPost) => Promise<{ status: number; body: string }>;

/** A webhook delivery the fake made, and how the callback answered (0: it could not be reached). */
export interface FakeWebhookDelivery {
  messageId: string;
  messageType: string;
  status: number;
}

/** Where a webhook subscription delivers. */
export interface WebhookTarget {
  callback: string;
  secret: string;
  type: string;
  version: string;
}

/**
 * The headers and body of a webhook POST as Twitch makes it: `Twitch-Eventsub-Message-Id`,
 * `-Message-Timestamp` (RFC 3339), `-Message-Type`, `-Subscription-Type`, `-Subscription-Version`,
 * and `-Message-Signature`. Tests forge bad ones by changing the result.
 */
export function twitchWebhookRequest(
  secret: string,
  messageType: string,
  payload: Record<string, unknown>,
  options: {
    messageId?: string;
    timestamp?: string;
    subscriptionType?: string;
    subscriptionVersion?: string;
  } = {},
): { headers: Record<string, string>; body: string } {
  const messageId = options.messageId ?? randomUUID();
  const timestamp = options.timestamp ?? new Date().toISOString();
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', secret)
    .update(messageId + timestamp + body)
    .digest('hex')}`;
  return {
    headers: {
      'content-type': 'application/json',
      'twitch-eventsub-message-id': messageId,
      'twitch-eventsub-message-retry': '0',
      'twitch-eventsub-message-type': messageType,
      'twitch-eventsub-message-signature': signature,
      'twitch-eventsub-message-timestamp': timestamp,
      'twitch-eventsub-subscription-type': options.subscriptionType ?? '',
      'twitch-eventsub-subscription-version': options.subscriptionVersion ?? '1',
    },
    body,
  };
}

/** Webhook POSTs over HTTP (a callback chatgate listens on). */
export const httpWebhookSender: WebhookSender = async (post) => {
  const answer = await fetch(post.url, { method: 'POST', headers: post.headers, body: post.body });
  return { status: answer.status, body: await answer.text() };
};

/** Posts signed webhook messages and records how each was answered. */
export class FakeWebhookPoster {
  readonly deliveries: FakeWebhookDelivery[] = [];
  private sender: WebhookSender = httpWebhookSender;

  setSender(sender: WebhookSender): void {
    this.sender = sender;
  }

  /** POSTs one signed message to `target`; resolves with the callback's answer. */
  async post(
    target: WebhookTarget,
    messageType: string,
    payload: Record<string, unknown>,
    messageId: string = randomUUID(),
  ): Promise<{ status: number; body: string }> {
    const request = twitchWebhookRequest(target.secret, messageType, payload, {
      messageId,
      subscriptionType: target.type,
      subscriptionVersion: target.version,
    });
    let answer: { status: number; body: string };
    try {
      answer = await this.sender({ url: target.callback, ...request });
    } catch {
      answer = { status: 0, body: '' };
    }
    this.deliveries.push({ messageId, messageType, status: answer.status });
    return answer;
  }

  /** Sends `webhook_callback_verification`; true when the callback answered 2xx with the challenge. */
  async verify(target: WebhookTarget, subscription: Record<string, unknown>): Promise<boolean> {
    const challenge = `challenge-${randomUUID()}`;
    const answer = await this.post(target, 'webhook_callback_verification', { challenge, subscription });
    return answer.status >= 200 && answer.status < 300 && answer.body === challenge;
  }
}
