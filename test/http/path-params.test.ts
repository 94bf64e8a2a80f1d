import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { testApp, testConfig } from '../support/services.js';

/**
 * Issue 19, item 6: what fastify's router refuses before a route sees it (a path parameter over 100
 * characters, bad percent-encoding) is answered in chatgate's error shape, not fastify's own body.
 */
describe('path parameters the router refuses', () => {
  let app: FastifyInstance;
  let services: Services;
  beforeAll(async () => {
    ({ app, services } = await testApp(testConfig({ ai: { mode: 'local' } })));
  });
  afterAll(async () => {
    await app.close();
    await services.close();
  });

  const errorShape = {
    detail: expect.stringMatching(/^path: /),
    error_code: expect.any(String),
    timestamp: expect.any(String),
    correlation_id: expect.any(String),
  };

  it.each([
    ['GET', `/api/v1/ai/interaction/${'a'.repeat(101)}`],
    ['GET', `/api/v1/communities/${'c'.repeat(5000)}/config`],
    ['DELETE', `/api/v1/sessions/${'s'.repeat(101)}`],
  ])('answers %s of a parameter over 100 characters with 414 in our shape', async (method, url) => {
    const response = await app.inject({ method: method as 'GET' | 'DELETE', url });
    expect(response.statusCode).toBe(414);
    expect(response.json()).toEqual({ ...errorShape, error_code: 'param_too_long' });
    expect(response.headers['x-request-id']).toBe(response.json().correlation_id);
  });

  it('answers bad percent-encoding in a parameter with 400 in our shape', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/ai/interaction/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ ...errorShape, error_code: 'bad_url' });
  });

  it('still routes a parameter of exactly 100 characters', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/v1/ai/interaction/${'a'.repeat(100)}` });
    expect(response.statusCode).toBe(404);
    expect(response.json().error_code).toBe('not_found');
  });
});
