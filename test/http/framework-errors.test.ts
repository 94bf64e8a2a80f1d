import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { testApp, testConfig } from '../support/services.js';

const CALLER = 'caller-key-framework-1';
const ADMIN = 'admin-key-framework-01';

/** Errors fastify raises before routing, answered in the documented shapes (found by test/fuzz). */
describe('errors before routing', () => {
  let services: Services;
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ services, app } = await testApp(testConfig({ auth: { apiKeys: [CALLER], adminKey: ADMIN } })));
  });
  afterAll(async () => {
    await app.close();
    await services.close();
  });

  const get = (url: string, key = CALLER) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  /** Asserts our error body, its correlation id the request id of the answer. */
  function expectOurError(
    response: Awaited<ReturnType<typeof get>>,
    status: number,
    code: string,
    detail: string,
  ) {
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({
      detail,
      error_code: code,
      timestamp: expect.any(String),
      correlation_id: response.headers['x-request-id'],
    });
  }

  it.each([
    ['/api/v1/ai/interaction/%ED%A0%80', CALLER],
    ['/api/v1/communities/a%C0%AFb/config', ADMIN],
    ['/api/v1/sessions/%FF', ADMIN],
  ])('a path with an escape that is not UTF-8 (%s) is our 400 naming the path', async (url, key) => {
    const detail = 'path: is not a valid URL path (bad percent-encoding)';
    expectOurError(await get(url, key), 400, 'bad_url', detail);
  });

  it('a path parameter over 100 characters is our 414, not fastify’s body', async () => {
    const response = await get(`/api/v1/sessions/${'a'.repeat(101)}`, ADMIN);
    const detail = 'path: a path parameter is longer than 100 characters';
    expectOurError(response, 414, 'param_too_long', detail);
  });

  it.each(['/v1/chat/%ED%A0%80/completions', '/api/v1/ai/chat/%ED%A0%80', '/v1/models/%FF'])(
    'on the OpenAI routes (%s) it is OpenAI’s error shape',
    async (url) => {
      const response = await get(url);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: { message: expect.any(String), type: 'invalid_request_error', param: 'path', code: 'bad_url' },
      });
    },
  );
});
