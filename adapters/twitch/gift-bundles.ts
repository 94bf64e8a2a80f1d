/**
 * Mass gifts: Twitch announces "X is gifting 20 subs" as one `submysterygift` USERNOTICE, then sends
 * one `subgift` USERNOTICE per recipient. Those carry the mystery gift's `msg-param-origin-id` and,
 * on current servers, its `msg-param-community-gift-id`. The streamer wants one thank-you for the
 * bundle, so the bundle's own subgifts are held back; a lone subgift is still thanked.
 */
import type { ChatEvent } from '../../src/core/chat-event.js';
import { type TmiTags, tagString } from './tags.js';

/** How long a mystery gift waits for its subgift lines, ms. They follow within seconds. */
export const MASS_GIFT_WINDOW_MS = 60_000;

/** The tags that tie a subgift to its mystery gift. */
const BUNDLE_KEYS = ['msg-param-community-gift-id', 'msg-param-origin-id'] as const;

interface OpenBundle {
  remaining: number;
  expiresAt: number;
}

/**
 * Remembers open mystery gifts per channel and answers whether an event should reach the router.
 *
 * @example
 * const bundles = new MassGiftBundles();
 * bundles.admit(mysteryEvent, mysteryTags, now); // true: thank the gifter once
 * bundles.admit(subgiftEvent, subgiftTags, now); // false: part of that bundle
 */
export class MassGiftBundles {
  private readonly open = new Map<string, OpenBundle>();

  constructor(private readonly windowMs = MASS_GIFT_WINDOW_MS) {}

  /** False when `event` is a subgift that belongs to a mystery gift seen before; true otherwise. */
  admit(event: ChatEvent, tags: TmiTags, now: number): boolean {
    this.forgetExpired(now);
    const keys = bundleKeys(event.channelId, tags);
    if (event.type === 'submysterygift') {
      const count =
        typeof event.meta.giftCount === 'number' ? event.meta.giftCount : Number.POSITIVE_INFINITY;
      for (const key of keys) this.open.set(key, { remaining: count, expiresAt: now + this.windowMs });
      return true;
    }
    if (event.type !== 'subgift') return true;
    const bundle = keys.map((key) => this.open.get(key)).find((found) => found !== undefined);
    if (!bundle || bundle.remaining <= 0) return true;
    bundle.remaining -= 1;
    return false;
  }

  private forgetExpired(now: number): void {
    for (const [key, bundle] of this.open) {
      if (bundle.expiresAt <= now || bundle.remaining <= 0) this.open.delete(key);
    }
  }
}

function bundleKeys(channelId: string, tags: TmiTags): string[] {
  return BUNDLE_KEYS.flatMap((tag) => {
    const value = tagString(tags, tag);
    return value ? [`${channelId}|${tag}|${value}`] : [];
  });
}
