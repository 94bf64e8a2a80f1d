import { afterEach, describe, expect, it } from 'vitest';
import { type CallbackBody, CallbackSender } from '../../src/worker/callback.js';
import {
  CallbackTargetError,
  CallbackTargetPolicy,
  type HostLookup,
} from '../../src/worker/callback-target.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';

const body: CallbackBody = {
  interaction_id: 'i-1',
  session_id: null,
  event_id: 'api:e-1',
  platform: 'api',
  channel_id: 'c',
  success: true,
  response_action: 'chat',
  response_data: { message: 'hi' },
  processing_time_ms: 1,
};

/** Issue 19, item 6: the send-time check of callback targets, on the address actually resolved. */
describe('CallbackSender targets', () => {
  let receiver: CallbackReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  /** A resolver that answers `address` for every name and counts the questions. */
  function resolvingTo(address: string) {
    const asked: string[] = [];
    const lookup: HostLookup = async (hostname) => {
      asked.push(hostname);
      return [{ address, family: 4 }];
    };
    return { lookup, asked };
  }
  const sender = (targets: CallbackTargetPolicy) =>
    new CallbackSender({ maxAttempts: 3, timeoutMs: 2000, initialDelayMs: 1, targets });

  it('refuses a name that resolves to loopback, without connecting and without retrying', async () => {
    receiver = await startCallbackReceiver();
    const dns = resolvingTo('127.0.0.1');
    const url = `http://hooks.example:${new URL(receiver.url).port}/callback`;
    const sent = sender(new CallbackTargetPolicy({ lookup: dns.lookup })).send(url, body);
    await expect(sent).rejects.toSatisfy((error) => {
      let cause: unknown = error;
      while (cause instanceof Error && !(cause instanceof CallbackTargetError)) cause = cause.cause;
      return cause instanceof CallbackTargetError && /hooks\.example is at 127\.0\.0\.1/.test(cause.message);
    });
    expect(dns.asked).toEqual(['hooks.example']);
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses a loopback address literal before any attempt', async () => {
    receiver = await startCallbackReceiver();
    await expect(sender(new CallbackTargetPolicy()).send(receiver.url, body)).rejects.toBeInstanceOf(
      CallbackTargetError,
    );
    expect(receiver.received).toHaveLength(0);
  });

  it('delivers to an allowed host, and to the exempt operator URL', async () => {
    receiver = await startCallbackReceiver();
    const dns = resolvingTo('127.0.0.1');
    const url = `http://hooks.example:${new URL(receiver.url).port}/callback`;
    await sender(new CallbackTargetPolicy({ lookup: dns.lookup, allowedHosts: ['HOOKS.example'] })).send(
      url,
      body,
    );
    await sender(new CallbackTargetPolicy({ exemptUrls: [receiver.url] })).send(receiver.url, body);
    expect(receiver.received).toHaveLength(2);
  });
});
