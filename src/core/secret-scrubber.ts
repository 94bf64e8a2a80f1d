/**
 * Removes secrets from text that came from elsewhere (an upstream's error answer, a library's error
 * message) before chatgate shows or logs it.
 */

/** What a removed secret is replaced with. */
export const REDACTED = '[redacted]';

/** Known secrets shorter than this are not searched for: they would hit ordinary words. */
const MIN_SECRET_CHARS = 4;
/** Base64 pieces of a secret shorter than this are not searched for, for the same reason. */
const MIN_ENCODED_CHARS = 8;

/**
 * Secrets nobody told us about, recognised by their surroundings: URL userinfo, a Bearer token, a
 * Basic credential (base64 of `user:password`), a `key=value` / `"key": "value"` pair whose name
 * says it is a credential, and OpenAI-style `sk-…` keys.
 */
const GENERIC_PATTERNS: readonly [RegExp, (match: string, ...groups: string[]) => string][] = [
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@?#]+@/gi, (_, scheme) => `${scheme}${REDACTED}@`],
  [/\b(bearer\s+)(?!\[redacted\])[\w.~+/=-]+/gi, (_, head) => `${head}${REDACTED}`],
  [
    /\b(basic\s+)([A-Za-z0-9+/_-]{4,}={0,2})/gi,
    (match, head, token) => (isUserinfo(token) ? `${head}${REDACTED}` : match),
  ],
  [
    /\b((?:api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|password|passwd|key)["']?\s*[:=]\s*["']?)(?!\[redacted\])[^\s"'&,;)}\]]+/gi,
    (_, head) => `${head}${REDACTED}`,
  ],
  [/\bsk-[\w-]{8,}/g, () => REDACTED],
];

/**
 * Removes known secrets and credential-looking text, then cuts to length (in that order, so that a
 * secret across the cut cannot leave its head behind).
 *
 * A known secret is found exactly, in any letter case, percent-encoded, and as base64 or base64url
 * (whole, as in `Authorization: Basic <base64(user:password)>`, and inside a longer encoded value at
 * any byte alignment). Secrets shorter than 4 characters are only caught by the generic patterns.
 *
 * @example
 * const scrubber = new SecretScrubber([apiKey, ...endpointCredentials(baseUrl)]);
 * scrubber.scrub(`401 ${upstreamText}`, 200); // '401 key [redacted] is revoked'
 */
export class SecretScrubber {
  private readonly known: RegExp | undefined;

  /** @param secrets the known secrets; `undefined`, empty and too-short ones are skipped. */
  constructor(secrets: Iterable<string | undefined>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret === undefined || secret.length < MIN_SECRET_CHARS) continue;
      for (const form of formsOf(secret)) forms.add(form);
    }
    // Longest first, so that a whole encoding is replaced before a piece of it.
    const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.known = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'gi') : undefined;
  }

  /**
   * `text` without secrets, then cut to at most `maxChars` UTF-16 units (never inside a surrogate
   * pair). Without `maxChars`, the whole text.
   */
  scrub(text: string, maxChars?: number): string {
    let clean = this.known ? text.replace(this.known, REDACTED) : text;
    for (const [pattern, replace] of GENERIC_PATTERNS) clean = clean.replace(pattern, replace);
    return maxChars === undefined ? clean : cut(clean, maxChars);
  }

  /**
   * A caught value that is safe to keep as a `cause` (and so to log): the value itself when no
   * secret shows in its message or stack; else a plain Error (same `name`, scrubbed message, no
   * stack or cause). A string is scrubbed; anything else is returned as it is.
   */
  safeCause(error: unknown): unknown {
    if (typeof error === 'string') return this.scrub(error);
    if (!(error instanceof Error)) return error;
    const told = `${error.message}\n${error.stack ?? ''}\n${describeCauses(error)}`;
    if (this.scrub(told) === told) return error;
    const copy = new Error(this.scrub(error.message));
    copy.name = error.name;
    copy.stack = `${copy.name}: ${copy.message}`;
    return copy;
  }
}

/** `text` cut to `maxChars` UTF-16 units, without leaving half a surrogate pair at the end. */
function cut(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = text.slice(0, maxChars);
  return /[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head;
}

/** The forms of a secret to look for: itself, percent-encoded, and its base64 and base64url forms. */
function formsOf(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret)];
  const bytes = Buffer.from(secret, 'utf8');
  forms.push(bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'));
  // Inside a longer encoded value the secret starts at one of three byte alignments. Only the
  // characters made of the secret's bytes alone are fixed: skip the group that shares bytes with
  // what precedes, and the partial group at the end.
  for (const offset of [0, 1, 2]) {
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes]);
    const core = shifted.toString('base64').slice(offset === 0 ? 0 : 4, Math.floor(shifted.length / 3) * 4);
    if (core.length >= MIN_ENCODED_CHARS) forms.push(core, core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return forms;
}

/** Whether a Basic credential's token decodes to `user:password`. */
function isUserinfo(token: string): boolean {
  const text = Buffer.from(
    token,
    token.includes('-') || token.includes('_') ? 'base64url' : 'base64',
  ).toString('utf8');
  return text.includes(':') && !text.includes('\uFFFD');
}

/** The messages of an error's causes, a few levels deep. */
function describeCauses(error: Error): string {
  const messages: string[] = [];
  let current: unknown = error.cause;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    messages.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return messages.join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
