import { type LinkifyIt, linkifyit } from 'linkify-it';
import type { Platform } from '../core/chat-event.js';

/**
 * Top-level domains recognised in bare links (`example.com/x`) besides linkify-it's defaults
 * (`com`, `net`, `org`, `info` … and every two-letter country domain, so `bit.ly`, `discord.gg`
 * and `twitch.tv` are links): the newer ones that link spam uses most.
 */
const EXTRA_TLDS = [
  'app',
  'dev',
  'xyz',
  'link',
  'live',
  'site',
  'online',
  'top',
  'club',
  'store',
  'tech',
  'ai',
];

/**
 * Finds links as linkify-it (markdown-it's link finder) recognises them: URLs with a scheme,
 * `www.` hosts and bare domains with a known top-level domain. E-mail addresses are not links
 * here (PII masking deals with them), nor bare IP addresses (version numbers look the same).
 * linkify-it's patterns are built once per finder, so keep one.
 */
export class LinkFinder {
  private readonly linkify: LinkifyIt = linkifyit({
    fuzzyLink: true,
    fuzzyEmail: false,
    fuzzyIP: false,
  }).tlds(EXTRA_TLDS, true);

  /**
   * Whether `text` holds a link (`https://…`, `www.example.org`, `example.com/x`, `discord.gg/abc`).
   * @example new LinkFinder().has('see example.com/x') // true
   */
  has(text: string): boolean {
    return this.linkify.test(text);
  }
}

/**
 * Whether a reply on `platform` may hold links: the community's `moderation.allowLinks` when set;
 * unset, everywhere but Twitch, where channels commonly forbid links in chat: Twitch's own "Block
 * Hyperlinks" channel setting (Creator Dashboard → Settings → Moderation) drops links from anyone
 * who is not a moderator or VIP, which a bot usually is not, and chat bots time out link posters.
 */
export function linksAllowed(allowLinks: boolean | undefined, platform: Platform): boolean {
  return allowLinks ?? platform !== 'twitch';
}
