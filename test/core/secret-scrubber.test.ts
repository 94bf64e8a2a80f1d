import { describe, expect, it } from 'vitest';
import { REDACTED, SecretScrubber } from '../../src/core/secret-scrubber.js';

const KEY = 'sk-test-secret-0123456789abcdef';

describe('SecretScrubber', () => {
  it('scrubs before it cuts: a key across the cut leaves no head behind', () => {
    const text = `${'x'.repeat(190)} Bearer ${KEY} rejected`;
    const scrubbed = new SecretScrubber([KEY]).scrub(text, 200);
    expect(scrubbed).toHaveLength(200);
    expect(scrubbed).not.toContain('sk-');
    expect(scrubbed.endsWith('Bearer [r')).toBe(true);
  });

  it('scrubs a key in any letter case, each time it appears', () => {
    const scrubbed = new SecretScrubber([KEY]).scrub(`${KEY} / ${KEY.toUpperCase()} / ${KEY}`);
    expect(scrubbed).toBe(`${REDACTED} / ${REDACTED} / ${REDACTED}`);
  });

  it('scrubs the base64 and base64url forms of a key and of user:password, whole or inside more', () => {
    const scrubber = new SecretScrubber(['u:pw-0123456789', KEY]);
    const forms = [
      Buffer.from(KEY).toString('base64'),
      Buffer.from(KEY).toString('base64url'),
      Buffer.from('u:pw-0123456789').toString('base64'),
      encodeURIComponent(KEY),
    ];
    const scrubbed = scrubber.scrub(`Basic ${forms[2]} | ${forms.join(' | ')}`);
    for (const form of forms) expect(scrubbed).not.toContain(form.replace(/=+$/, ''));
    // At each byte alignment inside a longer value, only the characters made of the key alone are fixed.
    for (const prefix of ['a', 'ab', 'abc']) {
      const encoded = Buffer.from(`${prefix}${KEY}`).toString('base64');
      const middle = encoded.slice(4, -8);
      expect(scrubber.scrub(encoded), prefix).not.toContain(middle);
    }
  });

  it('removes credential-looking text it was not told about', () => {
    const scrubber = new SecretScrubber([]);
    expect(scrubber.scrub('GET http://bob:hunter22@host/v1 failed')).toBe(
      `GET http://${REDACTED}@host/v1 failed`,
    );
    expect(scrubber.scrub('authorization: Bearer abc.def-123')).toBe(`authorization: Bearer ${REDACTED}`);
    expect(scrubber.scrub(`Basic ${Buffer.from('bob:hunter22').toString('base64')}`)).toBe(
      `Basic ${REDACTED}`,
    );
    expect(scrubber.scrub('Basic authentication is off')).toBe('Basic authentication is off');
    expect(scrubber.scrub('/v1/models?api_key=abc123&x=1')).toBe(`/v1/models?api_key=${REDACTED}&x=1`);
    expect(scrubber.scrub('{"password": "hunter22"}')).toBe(`{"password": "${REDACTED}"}`);
    expect(scrubber.scrub('key sk-live-0123456789 is revoked')).toBe(`key ${REDACTED} is revoked`);
    expect(scrubber.scrub('max_tokens: 5')).toBe('max_tokens: 5');
  });

  it('skips secrets too short to look for, and never cuts inside a surrogate pair', () => {
    expect(new SecretScrubber(['pw', undefined, '']).scrub('upward pw')).toBe('upward pw');
    expect(new SecretScrubber([]).scrub('ab😀', 3)).toBe('ab');
  });

  it('keeps an error as a cause when it holds no secret, else a plain scrubbed copy', () => {
    const scrubber = new SecretScrubber([KEY]);
    const clean = new Error('connect ECONNREFUSED');
    expect(scrubber.safeCause(clean)).toBe(clean);
    const leaky = new TypeError(`bad header Bearer ${KEY}`, { cause: new Error(KEY) });
    const safe = scrubber.safeCause(leaky) as Error;
    expect(safe).not.toBe(leaky);
    expect(safe.name).toBe('TypeError');
    expect(`${safe.message} ${safe.stack} ${String(safe.cause)}`).not.toContain(KEY);
    const leakyCause = new Error('wrapped', { cause: new Error(`key ${KEY}`) });
    expect(scrubber.safeCause(leakyCause)).not.toBe(leakyCause);
    expect(scrubber.safeCause(`text ${KEY}`)).toBe(`text ${REDACTED}`);
  });
});
