import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { DeepPartial } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createServices, type Services } from '../../src/services.js';
import type { HostLookup } from '../../src/worker/callback-target.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { interactionBody } from '../support/events.js';
import { testConfig, testServiceOptions } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 19, item 6: a per-event `callback_url` must not make chatgate POST into the operator's
 * network (loopback, private, link-local) unless CALLBACK_ALLOWED_HOSTS lists the host; checked at
 * acceptance (400 naming `callback_url`) and again at send time on the resolved address; redirects
 * are not followed. The operator's ROUTER_RESPONSE_URL is exempt.
 */
describe('per-event callback_url targets', () => {
  let services: Services | undefined;
  let app: FastifyInstance | undefined;
  const receivers: CallbackReceiver[] = [];
  const servers: Server[] = [];

  afterEach(async () => {
    await app?.close();
    await services?.close();
    app = services = undefined;
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
    for (const server of servers.splice(0)) server.close();
  });

  async function start(overrides: DeepPartial<Config> = {}, lookup?: HostLookup) {
    const config = testConfig({ ai: { mode: 'local' }, ...overrides });
    services = await createServices(config, { ...testServiceOptions(config), callbackLookup: lookup });
    app = await buildApp(services);
  }
  const noAllowList = { callbacks: { allowedHosts: [] } };

  async function receiver(): Promise<CallbackReceiver> {
    const started = await startCallbackReceiver();
    receivers.push(started);
    return started;
  }

  const post = (payload: object) =>
    (app as FastifyInstance).inject({ method: 'POST', url: '/api/v1/ai/interaction', payload });
  const mention = (callbackUrl: string) =>
    interactionBody({ text: '@chatgate hi', callback_url: callbackUrl });

  /** A fake resolver: each name answers its addresses in turn (the last one from then on). */
  function fakeDns(answers: Record<string, string[]>) {
    const asked: string[] = [];
    const lookup: HostLookup = async (hostname) => {
      asked.push(hostname);
      const queue = answers[hostname];
      if (!queue) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      const address = (queue.length > 1 ? queue.shift() : queue[0]) as string;
      return [{ address, family: address.includes(':') ? 6 : 4 } satisfies LookupAddress];
    };
    return { lookup, asked };
  }

  it.each([
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/'],
    ['loopback', 'http://127.0.0.1:9/x'],
    ['loopback as a number', 'http://2130706433/x'],
    ['IPv6 loopback', 'http://[::1]:9/x'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/x'],
    ['a private address', 'https://10.1.2.3/x'],
    ['the unspecified address', 'http://0.0.0.0:9/x'],
    ['the metadata service through NAT64', 'http://[64:ff9b::a9fe:a9fe]/x'],
    ['loopback through NAT64, dotted', 'http://[64:ff9b::127.0.0.1]/x'],
    ['a private address through local-use NAT64', 'http://[64:ff9b:1::a01:203]/x'],
    ['loopback through 6to4', 'http://[2002:7f00:1::1]/x'],
  ])('refuses %s at acceptance with 400 naming callback_url', async (_name, url) => {
    await start(noAllowList);
    for (const body of [
      mention(url),
      {
        session_id: 's-1',
        message_type: 'chatMessage',
        user_id: 'u',
        entity_id: 'api:x',
        platform: 'api',
        callback_url: url,
      },
    ]) {
      const response = await post(body);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error_code: 'validation_error' });
      expect(response.json().detail).toMatch(/^callback_url: .*CALLBACK_ALLOWED_HOSTS/);
    }
  });

  it('accepts a NAT64 or 6to4 address that reaches a public IPv4 address', async () => {
    await start(noAllowList);
    for (const url of ['http://[64:ff9b::5db8:d822]/x', 'http://[2002:5db8:d822::1]/x']) {
      expect((await post(mention(url))).statusCode, url).toBe(202);
    }
  });

  it('refuses a name that resolves to a private address at acceptance', async () => {
    const dns = fakeDns({ 'inside.example': ['192.168.1.10'] });
    await start(noAllowList, dns.lookup);
    const response = await post(mention('http://inside.example/hook'));
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toContain('callback_url: inside.example is at 192.168.1.10');
  });

  it('does not hold the ack for a resolver that does not answer (the send-time check decides)', async () => {
    const silent: HostLookup = () => new Promise(() => {});
    // One short attempt: at send time the silent resolver holds the callback until it times out.
    await start({ callbacks: { allowedHosts: [], maxAttempts: 1, timeoutMs: 100 } }, silent);
    const started = performance.now();
    const response = await post(mention('http://slow-dns.example/hook'));
    expect(response.statusCode).toBe(202);
    expect(performance.now() - started).toBeLessThan(4000);
  });

  it('delivers to a loopback host that CALLBACK_ALLOWED_HOSTS lists', async () => {
    const target = await receiver();
    await start({ callbacks: { allowedHosts: ['127.0.0.1'] } });
    const response = await post(mention(target.url));
    expect(response.statusCode).toBe(202);
    await waitFor(() => (target.received.length === 1 ? true : undefined));
    expect(target.received[0]?.body.interaction_id).toBe(response.json().interaction_id);
  });

  it("exempts the operator's ROUTER_RESPONSE_URL", async () => {
    const target = await receiver();
    await start({ callbacks: { allowedHosts: [], defaultUrl: target.url } });
    const response = await post(interactionBody({ text: '@chatgate hi' }));
    expect(response.statusCode).toBe(202);
    await waitFor(() => (target.received.length === 1 ? true : undefined));
  });

  it('refuses at send time a name that was public at acceptance and resolves to loopback later (DNS rebinding)', async () => {
    const target = await receiver();
    const port = new URL(target.url).port;
    const dns = fakeDns({ 'rebind.example': ['93.184.216.34', '127.0.0.1'] });
    await start(noAllowList, dns.lookup);
    const response = await post(mention(`http://rebind.example:${port}/callback`));
    expect(response.statusCode).toBe(202);
    // Accepted on the public answer, refused when sending on the loopback one, and not retried.
    await waitFor(() => (dns.asked.length >= 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(dns.asked).toEqual(['rebind.example', 'rebind.example']);
    expect(target.received).toHaveLength(0);
  });

  it('connects to the address it checked: an allowed name reaches the receiver through the fake lookup', async () => {
    const target = await receiver();
    const port = new URL(target.url).port;
    const dns = fakeDns({ 'rebind.example': ['93.184.216.34', '127.0.0.1'] });
    await start({ callbacks: { allowedHosts: ['rebind.example'] } }, dns.lookup);
    const response = await post(mention(`http://rebind.example:${port}/callback`));
    expect(response.statusCode).toBe(202);
    await waitFor(() => (target.received.length === 1 ? true : undefined));
  });

  it('does not follow redirects', async () => {
    const inside = await receiver();
    let redirected = 0;
    const redirector = createServer((request, response) => {
      redirected++;
      request.resume();
      response.writeHead(307, { location: inside.url }).end();
    });
    servers.push(redirector);
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`;
    await start({ callbacks: { allowedHosts: ['127.0.0.1'] } });
    expect((await post(mention(url))).statusCode).toBe(202);
    await waitFor(() => (redirected === 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A 3xx is a refusal: not retried, and the Location is never visited.
    expect(redirected).toBe(1);
    expect(inside.received).toHaveLength(0);
  });
});
