import { describe, expect, it } from 'vitest';
import { maskPii, passesLuhn } from '../../src/safety/pii.js';

describe('PII masking', () => {
  it.each([
    ['write to jo.doe+chat@example.co.uk today', 'write to [email] today'],
    ['a@b.c is no address, x@y.io is', 'a@b.c is no address, [email] is'],
    ['call +1 555 123 4567 now', 'call [phone] now'],
    ['or (555) 123-4567.', 'or [phone].'],
    ['mobile 0171-2345678', 'mobile [phone]'],
    ['ring 030 1234 5678', 'ring [phone]'],
    ['order 1234567890', 'order [phone]'],
    ['card 4111 1111 1111 1111 ok', 'card [card] ok'],
    ['card 4111-1111-1111-1111', 'card [card]'],
    ['card 5500005555555559', 'card [card]'],
    ['IBAN DE89 3704 0044 0532 0130 00 please', 'IBAN [iban] please'],
    ['iban GB82WEST12345698765432.', 'iban [iban].'],
    ['lower case de89370400440532013000', 'lower case [iban]'],
    ['server 192.168.0.1 and 10.0.0.1:8080', 'server [ip] and [ip]:8080'],
    ['v6 2001:db8::1, ::1 and fe80::1ff:fe23:4567:890a', 'v6 [ip], [ip] and [ip]'],
    // No digit at all: an IPv6 address of hex letters only.
    ['reach me at dead:beef::cafe', 'reach me at [ip]'],
    ['@chatgate mail jo@example.com', '@chatgate mail [email]'],
  ])('masks %j', (text, masked) => {
    expect(maskPii(text)).toBe(masked);
  });

  it.each([
    'card 4111 1111 1111 1112 fails Luhn',
    'IBAN DE89 3704 0044 0532 0130 02 fails mod-97',
    'on 2024-01-15 or 15.01.2024',
    'pi is 3.14159265',
    'the years 2023 2024',
    'call 555 1234',
    'version v1.2.3.4 and 10.0.0.256',
    'uuid 123e4567-e89b-12d3-a456-426614174000',
    'at 12:30:45, mac 00:1a:2b:3c:4d:5e',
    'a deadbeef cafe',
    'just words, no data',
    '@someone said hi',
  ])('leaves %j as it is', (text) => {
    expect(maskPii(text)).toBe(text);
  });

  it('checks card numbers with Luhn', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesLuhn('79927398713')).toBe(true);
  });

  it.each([
    ['digits and spaces', '1 '.repeat(5000)],
    ['at signs', '@'.repeat(10_000)],
    ['a dotted local part without a domain', `${'a.'.repeat(5000)}@`],
    ['addresses without top-level domains', 'a@b.'.repeat(2500)],
    ['dotted digits', '1.'.repeat(5000)],
    ['IBAN prefixes', 'DE89'.repeat(2500)],
    ['hex and colons', 'f:'.repeat(5000)],
    ['openers', '+('.repeat(5000)],
    ['hyphenated digits', '1-'.repeat(5000)],
  ])('finishes on 10,000 chars of %s', (_name, text) => {
    const masked = maskPii(text);
    // Nothing in these is PII: the text comes back whole, whatever its shape.
    expect(masked).toBe(text);
  });

  it('masks every item of a long text full of PII', () => {
    const item = 'x@y.co 4111 1111 1111 1111 DE89 3704 0044 0532 0130 00 10.0.0.1 ';
    const masked = maskPii(item.repeat(150));
    expect(masked).toBe('[email] [card] [iban] [ip] '.repeat(150));
  });
});
