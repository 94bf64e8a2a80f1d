/**
 * Issue 19, item 4: a request whose headers and body do not arrive within REQUEST_BODY_TIMEOUT_MS
 * is answered 408 and its connection closed, so a client sending one byte every few seconds
 * cannot hold a socket and its buffered body for minutes.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { rawExchange } from '../support/raw-http.js';
import { testApp, testConfig } from '../support/services.js';

describe('slow requests', () => {
  let services: Services;
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    ({ services, app } = await testApp(testConfig({ server: { requestBodyTimeoutMs: 300 } })));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
    await services.close();
  });

  it('answers a body that stops coming with 408 in the error shape, and closes the connection', async () => {
    const answer = await rawExchange(port, [
      'POST /api/v1/ai/interaction HTTP/1.1\r\nHost: chatgate\r\ncontent-type: application/json\r\n',
      'content-length: 100\r\n\r\n{',
    ]);
    expect(answer.status).toBe(408);
    const body = JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ error_code: 'request_timeout', detail: expect.any(String) });
  });

  it('answers headers that never end with 408 too', async () => {
    const answer = await rawExchange(port, ['GET /health HTTP/1.1\r\nHost: chatgate\r\nx-slow: 1\r\n']);
    expect(answer.status).toBe(408);
  });

  it('still serves a request that arrives in time', async () => {
    const answer = await rawExchange(port, [
      'GET /health HTTP/1.1\r\nHost: chatgate\r\nConnection: close\r\n\r\n',
    ]);
    expect(answer.status).toBe(200);
  });
});
