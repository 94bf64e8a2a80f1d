/**
 * Reading IRCv3 tags as tmi.js 1.8.5 hands them to its event listeners. tmi.js rewrites the values
 * before it emits (lib/client.js, `handleMessage`): `'1'` becomes `true`, `'0'` becomes `false`, an
 * empty value becomes `null`, other strings are unescaped (`\s` → space …), and `badges` /
 * `badge-info` become objects. `bits`, `emote-sets` and `ban-duration` are left as strings. These
 * helpers undo that guessing so that a tag is read as what Twitch sent
 * (https://dev.twitch.tv/docs/chat/irc/#privmsg-tags).
 */

/** The tags object tmi.js passes as `userstate`; values are unknown until narrowed. */
export type TmiTags = Readonly<Record<string, unknown>>;

/** A tag as a string: `true`/`false` back to `'1'`/`'0'`; `undefined` when absent or empty. */
export function tagString(tags: TmiTags, key: string): string | undefined {
  const value = tags[key];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (value === true) return '1';
  if (value === false) return '0';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A numeric tag (`msg-param-viewerCount`, `bits` …); `undefined` when absent or not a number. */
export function tagNumber(tags: TmiTags, key: string): number | undefined {
  const value = tags[key];
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value === true) return 1;
  if (value === false) return 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** A `0`/`1` flag tag (`mod`, `vip`, `first-msg` …) that is set. */
export function tagFlag(tags: TmiTags, key: string): boolean {
  const value = tags[key];
  return value === true || value === '1';
}

/**
 * Badge names from a badges tag: tmi.js's parsed object (`{ moderator: '1' }`) or the raw IRC form
 * (`moderator/1,subscriber/12`, as in a `raw_message` clone).
 */
export function badgeNames(value: unknown): Set<string> {
  if (typeof value === 'string') {
    return new Set(
      value
        .split(',')
        .map((badge) => badge.split('/')[0] ?? '')
        .filter((name) => name !== ''),
    );
  }
  if (value !== null && typeof value === 'object') return new Set(Object.keys(value));
  return new Set();
}

/** Escapes a tag value for an outgoing line (IRCv3 message-tags: `;` → `\:`, space → `\s` …). */
export function escapeTagValue(value: string): string {
  return value.replace(/[\\; \r\n]/g, (char) => TAG_ESCAPES[char] ?? char);
}

const TAG_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  ';': '\\:',
  ' ': '\\s',
  '\r': '\\r',
  '\n': '\\n',
};

/** A channel login from `#Login` or `login`: lower case, without `#`. */
export function channelLogin(channel: string): string {
  return channel.replace(/^#/, '').toLowerCase();
}

/** Twitch logins: 1–25 of `a-z 0-9 _` (we accept up to 32, as older accounts and tests vary). */
export const LOGIN_PATTERN = /^[a-z0-9_]{1,32}$/;
