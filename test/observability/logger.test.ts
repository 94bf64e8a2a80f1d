import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';

/** A trace-level logger whose lines are kept, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('trace', { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const URL_WITH_CREDENTIALS = 'http://u:pw-log-secret-12@10.0.0.5:4000/v1?api_key=sk-log-secret-3456';

describe('logger', () => {
  it('logs endpoint URLs with scheme, host and path only, at the top and one level down', () => {
    const { logger, lines } = capture();
    logger.info({ baseUrl: URL_WITH_CREDENTIALS, community: { base_url: URL_WITH_CREDENTIALS } }, 'a');
    logger.warn({ link: { endpoint: URL_WITH_CREDENTIALS }, endpoint: URL_WITH_CREDENTIALS }, 'b');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('pw-log-secret');
    expect(text).not.toContain('sk-log-secret');
    expect(text).not.toContain('api_key');
    expect(lines[0]).toMatchObject({
      baseUrl: 'http://10.0.0.5:4000/v1',
      community: { base_url: 'http://10.0.0.5:4000/v1' },
    });
    expect(lines[1]).toMatchObject({
      link: { endpoint: 'http://10.0.0.5:4000/v1' },
      endpoint: 'http://10.0.0.5:4000/v1',
    });
  });

  it('still blanks out keys and tokens', () => {
    const { logger, lines } = capture();
    logger.info({ apiKey: 'sk-a', settings: { api_key: 'sk-b', token: 't' } }, 'c');
    expect(lines[0]).toMatchObject({
      apiKey: '[redacted]',
      settings: { api_key: '[redacted]', token: '[redacted]' },
    });
  });

  it("blanks them in a child's bindings, interpolated objects, errors and hand-logged request headers", () => {
    const { logger, lines } = capture();
    const settings = { token: 'tk-secret-1', name: 'kept' };
    logger
      .child({ reqId: 'r1' })
      .child({ apiKey: 'sk-secret-2', link: { base_url: URL_WITH_CREDENTIALS } })
      .info('grandchild');
    logger.info('interpolated %j and %j', { apiKey: 'sk-secret-3' }, { inner: { api_key: 'sk-secret-4' } });
    const error = Object.assign(new Error('upstream failed'), { token: 'tk-secret-5' });
    logger.error({ err: error }, 'failed');
    const headers = { authorization: 'Bearer sk-secret-6', 'x-api-key': 'sk-secret-7', accept: 'json' };
    logger.info({ req: { method: 'GET', headers }, settings }, 'by hand');
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/secret/);
    expect(lines[0]).toMatchObject({ apiKey: '[redacted]', link: { base_url: 'http://10.0.0.5:4000/v1' } });
    expect(lines[1]?.msg).toBe('interpolated {"apiKey":"[redacted]"} and {"inner":{"api_key":"[redacted]"}}');
    expect(lines[2]).toMatchObject({
      err: { message: 'upstream failed', token: '[redacted]' },
      msg: 'failed',
    });
    expect(String((lines[2]?.err as { stack?: string } | undefined)?.stack)).toContain('upstream failed');
    expect(lines[3]).toMatchObject({
      req: {
        method: 'GET',
        headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'json' },
      },
      settings: { token: '[redacted]', name: 'kept' },
    });
    // What the caller logged is left as it was.
    expect(headers.authorization).toBe('Bearer sk-secret-6');
    expect(settings.token).toBe('tk-secret-1');
    expect(error.token).toBe('tk-secret-5');
  });

  it('masks PII in a text field at any level, and in debug messages (where chat text goes)', () => {
    const { logger, lines } = capture();
    logger.info({ text: 'mail jo@example.com, card 4111 1111 1111 1111' }, 'event');
    logger.debug({ source: 'tmi.js' }, '[#mychan] <viewer>: call me at +1 555 123 4567 or 10.0.0.7');
    logger.info({}, 'chatgate listening on http://10.0.0.5:8005');
    expect(lines[0]).toMatchObject({ text: 'mail [email], card [card]' });
    expect(lines[1]).toMatchObject({ msg: '[#mychan] <viewer>: call me at [phone] or [ip]' });
    // Above debug, messages are ours and keep the operator's own addresses.
    expect(lines[2]).toMatchObject({ msg: 'chatgate listening on http://10.0.0.5:8005' });
  });
});
