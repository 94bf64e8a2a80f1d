import { isIP } from 'node:net';
import { getCountrySpecifications, isValidIBAN } from 'ibantools';

/**
 * Masks personal data in chat text: e-mail addresses → `[email]`, IBANs that pass the mod-97 check
 * → `[iban]`, IPv4 and IPv6 addresses → `[ip]`, card numbers (13–19 digits) that pass Luhn →
 * `[card]`, phone numbers → `[phone]`. Applied before a provider sees a user's text (when the
 * community's `moderation.piiRedaction` is on) and, always, to the interaction log and log lines.
 *
 * Scanning is ours and linear in the text: each detector walks the text once, expanding from an
 * anchor (an `@`, a digit, two letters and two digits) over a fixed set of characters, and hands
 * each candidate to a validator: `ibantools` (IBAN lengths per country and mod-97), Node's
 * `net.isIP` (IPv4 and IPv6 syntax), Luhn. No regular expression with nested quantifiers runs on
 * the text. A character belongs to at most one mask; detectors run in the order above, so an IBAN
 * is not also read as a phone number, nor an IP address as one.
 *
 * Phone numbers have no checksum, so they are a heuristic: 7–15 digits in groups (every group after
 * the first of 2 digits or more) that start with `+` or `(`, or hold 10 digits or more, or are
 * separated by `-` or `.`, or form 3 groups or more; dates (`2024-01-15`, `15.01.2024`) and
 * decimals (`3.14159265`) are not phone numbers. `555 1234` (two groups, spaces) is left as is.
 *
 * @example maskPii('mail jo@example.com or call +1 555 123 4567') // 'mail [email] or call [phone]'
 */
export function maskPii(text: string): string {
  if (!MAY_HOLD_PII.test(text)) return text;
  // Each detector runs only when its anchor is there: most chat lines that get this far hold an
  // `@mention` and no digit, and the IBAN, IP and number scans would walk them for nothing.
  const hasDigit = HAS_DIGIT.test(text);
  const spans = new Spans(text.length);
  if (text.includes('@')) findEmails(text, spans);
  if (hasDigit) findIbans(text, spans);
  // An IPv6 address may be all hex letters (`dead:beef::cafe`), never without a `:` or a digit.
  if (hasDigit || text.includes(':')) findIps(text, spans);
  if (hasDigit) findNumbers(text, spans);
  return spans.apply(text);
}

/** Every kind of PII holds an `@`, a digit or (IPv6) a `:`: text with none is returned at once. */
const MAY_HOLD_PII = /[0-9@:]/;
const HAS_DIGIT = /[0-9]/;

type Label = '[email]' | '[iban]' | '[ip]' | '[card]' | '[phone]';

/** The masks found so far: non-overlapping `[start, end)` ranges with their labels. */
class Spans {
  private readonly taken: Uint8Array;
  private readonly found: { start: number; end: number; label: Label }[] = [];

  constructor(length: number) {
    this.taken = new Uint8Array(length);
  }

  /** Adds `[start, end)` unless part of it is already masked; whether it was added. */
  add(start: number, end: number, label: Label): boolean {
    for (let i = start; i < end; i++) if (this.taken[i]) return false;
    this.taken.fill(1, start, end);
    this.found.push({ start, end, label });
    return true;
  }

  apply(text: string): string {
    if (this.found.length === 0) return text;
    this.found.sort((a, b) => a.start - b.start);
    let out = '';
    let at = 0;
    for (const span of this.found) {
      out += text.slice(at, span.start) + span.label;
      at = span.end;
    }
    return out + text.slice(at);
  }
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isDigit(c) || isLetter(c);
/** ASCII letters and digits, and any non-ASCII letter-like code unit (so `é1.2.3.4` is one word). */
const isWordChar = (c: number) => isAlnum(c) || c === 95 || c > 127;

/** `local@domain.tld`, found from each `@`: the local part leftwards, the domain rightwards. */
function findEmails(text: string, spans: Spans): void {
  const local = (c: number) => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45; // . _ % + -
  const domain = (c: number) => isAlnum(c) || c === 46 || c === 45; // . -
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && local(text.charCodeAt(start - 1))) start--;
    while (start < at && text.charCodeAt(start) === 46) start++;
    let end = at + 1;
    while (end < text.length && domain(text.charCodeAt(end))) end++;
    while (end > at + 1 && !isAlnum(text.charCodeAt(end - 1))) end--;
    if (start === at) continue;
    const host = text.slice(at + 1, end);
    const dot = host.lastIndexOf('.');
    if (dot <= 0 || !/^[a-z]{2,}$/i.test(host.slice(dot + 1))) continue;
    spans.add(start, end, '[email]');
  }
}

/** IBAN lengths by country code (`DE` → 22), from ibantools' registry. */
const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  Object.entries(getCountrySpecifications()).flatMap(([code, spec]) =>
    spec.chars && spec.IBANRegistry ? [[code, spec.chars] as const] : [],
  ),
);

/**
 * IBANs, electronic (`DE89370400440532013000`) or printed in groups (`DE89 3704 0044 0532 0130 00`):
 * at a word start, a country code and two check digits, then exactly as many letters and digits
 * as that country's IBANs have (single spaces or hyphens between them), then a word end.
 */
function findIbans(text: string, spans: Spans): void {
  const n = text.length;
  for (let i = 0; i + 4 <= n; i++) {
    if (!isLetter(text.charCodeAt(i)) || (i > 0 && isWordChar(text.charCodeAt(i - 1)))) continue;
    if (!isLetter(text.charCodeAt(i + 1)) || !isDigit(text.charCodeAt(i + 2))) continue;
    if (!isDigit(text.charCodeAt(i + 3))) continue;
    const length = IBAN_LENGTHS.get(text.slice(i, i + 2).toUpperCase());
    if (length === undefined) continue;
    let compact = '';
    let end = i;
    while (end < n && compact.length < length) {
      const c = text.charCodeAt(end);
      if (isAlnum(c)) {
        compact += text[end];
        end++;
      } else if ((c === 32 || c === 45) && end + 1 < n && isAlnum(text.charCodeAt(end + 1))) {
        end++;
      } else break;
    }
    if (compact.length !== length || (end < n && isWordChar(text.charCodeAt(end)))) continue;
    if (isValidIBAN(compact.toUpperCase()) && spans.add(i, end, '[iban]')) i = end - 1;
  }
}

/**
 * IPv4 and IPv6 addresses: each word-bounded run of hex digits, `:` and `.` is checked whole, then
 * without trailing `.`/`:`, then for a leading IPv4 address (`10.0.0.1:8080`).
 */
function findIps(text: string, spans: Spans): void {
  const n = text.length;
  const ipChar = (c: number) =>
    isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 58 || c === 46;
  let i = 0;
  while (i < n) {
    if (!ipChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && ipChar(text.charCodeAt(i))) i++;
    const bounded =
      (start === 0 || !isWordChar(text.charCodeAt(start - 1))) &&
      (i === n || !isWordChar(text.charCodeAt(i)));
    if (!bounded || i - start < 2 || i - start > 45) continue;
    const run = text.slice(start, i);
    // Words of hex letters (`bad`, `face`) are the common runs: an address has a `:` or a `.`.
    if (!run.includes(':') && !run.includes('.')) continue;
    const trimmed = run.replace(/[.:]+$/, '');
    const v4 = /^\d{1,3}(?:\.\d{1,3}){3}/.exec(run)?.[0];
    const address = [run, trimmed, v4].find((candidate) => candidate && isIP(candidate) !== 0);
    if (address) spans.add(start, start + address.length, '[ip]');
  }
}

/** Separators inside a number: space, `-`, `.`, `/`, `(`, `)`. */
const isNumberSeparator = (c: number) => c === 32 || c === 45 || c === 46 || c === 47 || c === 40 || c === 41;

/** `-`, `.`, `/`: after a word they join a number to it (the last group of a UUID, `v1.2`, `a/123`). */
const isJoiner = (c: number) => c === 45 || c === 46 || c === 47;

/** Card numbers (Luhn) and phone numbers: word-bounded runs of digit groups. */
function findNumbers(text: string, spans: Spans): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const opener = c === 43 || c === 40; // + (
    const startsHere =
      (isDigit(c) || (opener && i + 1 < n && isDigit(text.charCodeAt(i + 1)))) &&
      (i === 0 || !isWordChar(text.charCodeAt(i - 1))) &&
      !(i >= 2 && isJoiner(text.charCodeAt(i - 1)) && isWordChar(text.charCodeAt(i - 2)));
    if (!startsHere) {
      i++;
      continue;
    }
    const start = i;
    const groups: number[] = [];
    const separators = new Set<number>();
    if (opener) i++;
    let end = i;
    for (;;) {
      let digits = 0;
      while (i < n && isDigit(text.charCodeAt(i))) {
        i++;
        digits++;
      }
      groups.push(digits);
      end = i;
      // Up to three separators (`) `, ` - `) lead to the next group; anything else ends the number.
      let j = i;
      while (j < n && j - i < 3 && isNumberSeparator(text.charCodeAt(j))) j++;
      if (j === i || j === n || !isDigit(text.charCodeAt(j))) break;
      for (let k = i; k < j; k++) separators.add(text.charCodeAt(k));
      i = j;
    }
    if (text.charCodeAt(end) === 41 && text.charCodeAt(start) === 40) end++;
    i = end;
    if (end < n && isWordChar(text.charCodeAt(end))) {
      while (i < n && isWordChar(text.charCodeAt(i))) i++;
      continue;
    }
    const label = numberLabel(text.slice(start, end), groups, separators);
    if (label) spans.add(start, end, label);
  }
}

/** What a run of digit groups is: a card, a phone number, or neither. */
function numberLabel(run: string, groups: number[], separators: Set<number>): Label | undefined {
  const digits = run.replace(/\D/g, '');
  const count = digits.length;
  const onlySpacesOrHyphens = [...separators].every((c) => c === 32 || c === 45);
  if (count >= 13 && count <= 19 && onlySpacesOrHyphens && passesLuhn(digits)) return '[card]';
  if (count < 7 || count > 15) return undefined;
  if (groups.slice(1).some((size) => size < 2)) return undefined;
  const dateLike =
    groups.length === 3 && groups.includes(4) && groups.filter((size) => size <= 2).length === 2;
  const decimal = groups.length === 2 && separators.size === 1 && separators.has(46);
  if (dateLike || decimal) return undefined;
  const phoneLike =
    run.startsWith('+') ||
    run.startsWith('(') ||
    count >= 10 ||
    separators.has(45) ||
    separators.has(46) ||
    groups.length >= 3;
  return phoneLike ? '[phone]' : undefined;
}

/** The Luhn (mod 10) check of a string of digits, as card numbers carry it (ISO/IEC 7812-1). */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
