import type { LookupAddress } from 'node:dns';
import { lookup as systemLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ChatgateError } from '../core/errors.js';
import { settlesWithin } from '../core/settles-within.js';

/**
 * Where a caller's `callback_url` may point. A caller names the URL, and chatgate POSTs to it from
 * inside the operator's network: without this rule a caller could reach a cloud metadata service
 * (`169.254.169.254`), the loopback interface or private hosts. Such addresses are refused unless
 * the operator lists the host in `CALLBACK_ALLOWED_HOSTS`; the operator's own `ROUTER_RESPONSE_URL`
 * is exempt.
 */

/** Resolves a host name to all its addresses (as `dns.promises.lookup(host, { all: true })`). */
export type HostLookup = (hostname: string) => Promise<LookupAddress[]>;

/** A callback URL that points (or resolves) where callers may not send: HTTP 400 at acceptance. */
export class CallbackTargetError extends ChatgateError {
  override readonly name = 'CallbackTargetError';
  constructor(message: string) {
    super(message, 'callback_forbidden', 400);
  }
}

/** Not public unicast: unspecified, loopback, private, shared (CGNAT), link-local, multicast, reserved. */
const NOT_PUBLIC: ReadonlyArray<readonly [network: string, prefix: number, family: 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

/** How long acceptance waits for a callback host's addresses, ms. */
const ACCEPT_LOOKUP_MS = 2000;

/** Options of a `CallbackTargetPolicy`. */
export interface CallbackTargetOptions {
  /** Hosts (names or addresses, as in the URL) a callback may reach whatever they resolve to. */
  allowedHosts?: readonly string[];
  /** Whole URLs exempt from the rule: the operator's `ROUTER_RESPONSE_URL`. */
  exemptUrls?: readonly (string | undefined)[];
  /** DNS resolution (tests inject a fake one); the system resolver by default. */
  lookup?: HostLookup;
}

/**
 * The rule for callback targets, checked twice: when the event is accepted (`check`, early and
 * readable feedback) and when the callback is sent (`connectLookup`, on the address actually
 * connected to, so that a name re-pointed to a private address after acceptance (DNS rebinding) is
 * refused too).
 */
export class CallbackTargetPolicy {
  private readonly blocked = new BlockList();
  private readonly allowedHosts: ReadonlySet<string>;
  private readonly exemptUrls: ReadonlySet<string>;
  private readonly lookup: HostLookup;

  constructor(options: CallbackTargetOptions = {}) {
    for (const [network, prefix, family] of NOT_PUBLIC) this.blocked.addSubnet(network, prefix, family);
    this.allowedHosts = new Set((options.allowedHosts ?? []).map(hostKey));
    this.exemptUrls = new Set(options.exemptUrls?.filter((url) => url !== undefined));
    this.lookup = options.lookup ?? ((hostname) => systemLookup(hostname, { all: true, verbatim: true }));
  }

  /** True for the operator's own URL (`ROUTER_RESPONSE_URL`): it is not checked, nor its lookup. */
  isOperatorUrl(url: string): boolean {
    return this.exemptUrls.has(url);
  }

  /** True when `url` may reach any address: the operator's own URL, or a host the operator allowed. */
  isExempt(url: string): boolean {
    if (this.isOperatorUrl(url)) return true;
    return URL.canParse(url) && this.allowedHosts.has(hostKey(new URL(url).hostname));
  }

  /**
   * True when `address` (an IPv4 or IPv6 literal) is a public unicast address. An IPv6 address that
   * carries an IPv4 one (NAT64 `64:ff9b::/96` and its local-use `64:ff9b:1::/48`, RFC 6052/8215;
   * 6to4 `2002::/16`, RFC 3056) is judged by the IPv4 address it reaches: `64:ff9b::7f00:1` is
   * 127.0.0.1 through a NAT64 gateway. (IPv4-mapped `::ffff:…` the BlockList already handles.)
   */
  isPublic(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    if (this.blocked.check(address, family === 4 ? 'ipv4' : 'ipv6')) return false;
    const embedded = family === 6 ? embeddedIPv4(address) : undefined;
    return embedded === undefined || !this.blocked.check(embedded, 'ipv4');
  }

  /**
   * Checks `url` at acceptance: its host, or every address its name resolves to, must be public.
   * A name that does not resolve now (or within `ACCEPT_LOOKUP_MS`) passes: the send-time check
   * decides then, and the ack is not held up by a slow resolver.
   * @throws CallbackTargetError naming the host and the address refused.
   */
  async check(url: string): Promise<void> {
    if (this.isExempt(url)) return;
    const host = literalHost(url);
    if (isIP(host)) return this.refuseUnlessPublic(host, host);
    const lookup = this.lookup(host);
    const answered = await settlesWithin(lookup, ACCEPT_LOOKUP_MS);
    const addresses = answered ? await lookup.catch(() => []) : [];
    for (const { address } of addresses) this.refuseUnlessPublic(host, address);
  }

  /**
   * Checks the host of `url` when it is an address literal (no lookup happens for those, so
   * `connectLookup` never sees them).
   * @throws CallbackTargetError when the address is not public and its host not allowed.
   */
  checkLiteral(url: string): void {
    if (this.isExempt(url)) return;
    const host = literalHost(url);
    if (isIP(host)) this.refuseUnlessPublic(host, host);
  }

  /**
   * A `lookup` for `net.connect` (undici's `connect.lookup`): resolves with `this.lookup` and fails
   * with a CallbackTargetError when an address is not public, unless the host is allowed. The
   * connection then goes to exactly the addresses checked.
   */
  readonly connectLookup = (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    this.lookup(hostname).then(
      (found) => {
        const wanted = found.filter(
          ({ family }) => !options.family || options.family === family || options.family === `IPv${family}`,
        );
        try {
          if (!this.allowedHosts.has(hostKey(hostname))) {
            for (const { address } of wanted) this.refuseUnlessPublic(hostname, address);
          }
        } catch (error) {
          return callback(error as Error, '');
        }
        const [first] = wanted;
        if (!first)
          return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
        if (options.all) return callback(null, wanted);
        return callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as Error, ''),
    );
  };

  private refuseUnlessPublic(host: string, address: string): void {
    if (this.allowedHosts.has(hostKey(host)) || this.isPublic(address)) return;
    throw new CallbackTargetError(
      `callback_url: ${host} is ${address === host ? '' : `at ${address}, `}a loopback, private or link-local address; list the host in CALLBACK_ALLOWED_HOSTS to allow it`,
    );
  }
}

/** A host as compared with `CALLBACK_ALLOWED_HOSTS`: lower case, without IPv6 brackets or a final dot. */
function hostKey(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/** The host of `url` without IPv6 brackets (the URL parser has already turned `0x7f.1` into `127.0.0.1`). */
function literalHost(url: string): string {
  if (!URL.canParse(url)) throw new CallbackTargetError('callback_url: must be an absolute http(s) URL');
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The 16 bits of each group of an IPv6 literal (`::` expanded, a dotted IPv4 tail read too). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (side: string) =>
    side === '' ? [] : side.split(':').map((group) => Number.parseInt(group, 16));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  return [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
}

/** The IPv4 address a NAT64 or 6to4 IPv6 address reaches, dotted; undefined for any other. */
function embeddedIPv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  const dotted = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  // 64:ff9b::/96 (well-known) and 64:ff9b:1::/48 (local use): the IPv4 address in the last 32 bits.
  if (g[0] === 0x64 && g[1] === 0xff9b && (g[2] === 0 || g[2] === 1)) return dotted(g[6] ?? 0, g[7] ?? 0);
  // 2002::/16: the IPv4 address in bits 16–47.
  if (g[0] === 0x2002) return dotted(g[1] ?? 0, g[2] ?? 0);
  return undefined;
}
