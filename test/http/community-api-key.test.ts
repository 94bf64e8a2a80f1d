import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { migrate } from '../../src/stores/postgres/migrate.js';
import { openSqlClient, type SqlClient } from '../../src/stores/postgres/sql-client.js';
import { SqlCommunityConfigStore } from '../../src/stores/postgres/sql-community-config-store.js';
import { memoryStores } from '../../src/stores/store-set.js';
import { testConfig, testServices } from '../support/services.js';

const ADMIN = 'admin-key-apikey-01';
const URL = '/api/v1/communities/api:no-secret/config';

describe('an api_key written without CHATGATE_SECRET_KEY', { timeout: 30_000 }, () => {
  let client: SqlClient;
  let services: Services;
  let app: FastifyInstance;

  beforeAll(async () => {
    const config = testConfig({ auth: { adminKey: ADMIN }, ai: { mode: 'local' } });
    client = await openSqlClient({ dataDir: 'memory://' });
    await migrate(client);
    services = await testServices(config, {
      stores: {
        ...memoryStores(config),
        communityConfigs: new SqlCommunityConfigStore(client, { secretKey: undefined }),
      },
    });
    app = await buildApp(services);
  });
  afterAll(async () => {
    await app?.close();
    await services?.close();
    await client?.close();
  });

  const write = (method: 'PUT' | 'PATCH', payload: object) =>
    app.inject({ method, url: URL, headers: { authorization: `Bearer ${ADMIN}` }, payload });

  for (const method of ['PUT', 'PATCH'] as const) {
    it(`${method} answers 400 naming api_key and the variable to set, not a 500`, async () => {
      const response = await write(method, { model: 'm', api_key: 'sk-test-0123456789' });
      expect(response.statusCode).toBe(400);
      const body = response.json();
      expect(body).toMatchObject({ error_code: 'secret_key_not_set' });
      expect(body.detail).toMatch(/^api_key: .*CHATGATE_SECRET_KEY is not set/);
      expect(body.detail).not.toContain('sk-test');
      expect(Object.keys(body).sort()).toEqual(['correlation_id', 'detail', 'error_code', 'timestamp']);
    });
  }

  it('stores the same config without api_key', async () => {
    expect((await write('PUT', { model: 'm' })).statusCode).toBe(200);
  });
});
