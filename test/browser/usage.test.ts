/**
 * The console's Usage page (issue 18) in real Chromium against chatgate on 127.0.0.1 with a fake
 * Ollama. Real usage first: chat completions through the OpenAI route for three users, with the
 * admin key (community `api:default`) and a stored client key of another community. Then: the
 * per-day chart is drawn and its text alternative shows today's requests, the top users table
 * matches `GET /api/v1/usage?group_by=user`, a community choice changes the figures, chart.js is
 * fetched by the Usage page only; the page at 375 px in the dark scheme; a read-only client key
 * gets a notice and no 403. Console errors fail the test. Screenshots go to test/browser/shots/.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';
import { launchChromium, openConsole, SLOW_MS, shoot, signIn, VIEWPORTS } from './support/browser.js';

const ADMIN_KEY = 'usage-admin-key';
/** A static client key: signs in to the console read-only. */
const CLIENT_KEY = 'usage-client-key';
const DEFAULT_COMMUNITY = 'api:default';
const SHOP = 'api:shop';
const KEY_NAME = 'shop-bot';
/** Chromium's locale in these tests: the page formats counts with it. */
const count = (value: number) => new Intl.NumberFormat('en-US').format(value);

interface UsageRow {
  user_id?: string | null;
  requests: number;
  total_tokens: number;
}

describeNeeding(['chromium'], 'the console Usage page in Chromium', () => {
  let ollama: FakeServer;
  let pipeline: Pipeline;
  let browser: Browser;
  let base: string;
  const today = new Date().toISOString().slice(0, 10);

  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  /** `GET /api/v1/usage?<query>` with the admin key: its rows. */
  async function usage(query: string): Promise<UsageRow[]> {
    const response = await pipeline.app.inject({ url: `/api/v1/usage?${query}`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().rows;
  }
  /** One chat completion as `user`, with `key`; answered by the fake Ollama. */
  async function chat(key: string, user: string, text: string): Promise<void> {
    const response = await pipeline.app.inject({
      method: 'POST',
      url: '/api/v1/ai/chat/completions',
      headers: { authorization: `Bearer ${key}` },
      payload: { model: 'chatgate/auto', user, messages: [{ role: 'user', content: text }] },
    });
    expect(response.statusCode, response.body).toBe(200);
  }

  beforeAll(async () => {
    ollama = await startFakeOllama();
    const config = testConfig({
      auth: { adminKey: ADMIN_KEY, clientKeys: [CLIENT_KEY] },
      ai: { ollama: { host: ollama.url } },
    } as Parameters<typeof testConfig>[0]);
    pipeline = await startPipeline(config);
    base = await pipeline.app.listen({ host: '127.0.0.1', port: 0 });

    const created = await pipeline.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: admin,
      payload: { name: KEY_NAME, community_id: SHOP },
    });
    expect(created.statusCode, created.body).toBe(201);
    const shopKey: string = created.json().key;
    // api:default: alice twice, bob once; api:shop (the stored key): carol once.
    await chat(ADMIN_KEY, 'alice', 'hello there, how is the stream going');
    await chat(ADMIN_KEY, 'alice', 'and what game is next');
    await chat(ADMIN_KEY, 'bob', 'hi');
    await chat(shopKey, 'carol', 'what is on sale this week');
    // Recording may finish after the answer: wait until the totals hold all four.
    await waitFor(
      async () => (await usage('group_by=day'))[0]?.requests === 4,
      SLOW_MS,
      'four requests in the usage totals',
    );
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pipeline?.close();
    await ollama?.close();
  });

  const open = (viewport: { width: number; height: number }, colorScheme: 'light' | 'dark' = 'light') =>
    openConsole(browser, base, viewport, colorScheme);

  /** The canvas's painted (non-transparent) pixels: more than none once chart.js has drawn. */
  const paintedPixels = (canvas: Locator) =>
    canvas.evaluate((node) => {
      // The root tsconfig has no DOM types: the canvas as far as this reads it.
      const element = node as unknown as {
        width: number;
        height: number;
        getContext(kind: '2d'): { getImageData(...box: number[]): { data: Uint8ClampedArray } } | null;
      };
      const data = element.getContext('2d')?.getImageData(0, 0, element.width, element.height).data;
      let painted = 0;
      for (let index = 3; index < (data?.length ?? 0); index += 4) if (data?.[index]) painted++;
      return painted;
    });

  /** The cells of the row headed `name` in the table region `region` (header first). */
  const rowCells = (page: Page, region: string, name: string) =>
    page
      .getByRole('region', { name: region })
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name, exact: true }) })
      .locator('th, td')
      .allInnerTexts();

  /** Shows `community` ('' for all) and waits for its figures. */
  async function choose(page: Page, label: string, value: string): Promise<void> {
    await page.getByLabel('Community').selectOption(value);
    await page.getByRole('button', { name: 'Show' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${label}, ` })
      .waitFor();
  }

  it('draws usage per day, lists top users and keys as the API counts them, per community', async () => {
    const { page, errors } = await open(VIEWPORTS.desktop);
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await signIn(page, ADMIN_KEY);
    // The overview's first load fetches the main chunk only: chart.js comes with the Usage page.
    expect(
      scripts.every((path) => /\/assets\/index-[\w-]+\.js$/.test(path)),
      scripts.join(),
    ).toBe(true);

    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('status').filter({ hasText: 'All communities, ' }).waitFor({ timeout: SLOW_MS });
    expect(
      scripts.some((path) => /\/assets\/usage-view-[\w-]+\.js$/.test(path)),
      scripts.join(),
    ).toBe(true);

    // The chart is drawn, and says in words what it shows.
    const canvas = page.getByRole('img', { name: /^Tokens and requests per day/ });
    await waitFor(async () => (await paintedPixels(canvas)) > 1000, SLOW_MS, 'the chart drawn');
    const days = await usage('group_by=day');
    const tokensToday = days[0]?.total_tokens ?? 0;
    expect(await canvas.getAttribute('aria-label')).toContain(
      `${count(4)} requests and ${count(tokensToday)} tokens in all`,
    );
    // Its table: today's row has the four requests produced above.
    await page.getByText('Per-day figures (table)').click();
    expect(await rowCells(page, 'Usage per day', today)).toEqual([
      today,
      '4',
      count(tokensToday),
      expect.any(String),
      expect.any(String),
    ]);

    // Top users: each user's tokens as GET /api/v1/usage?group_by=user counts them.
    const users = await usage('group_by=user');
    expect(users.map((row) => row.user_id).sort()).toEqual(['alice', 'bob', 'carol']);
    for (const row of users) {
      const cells = await rowCells(page, 'Top users', row.user_id ?? '');
      expect(cells.slice(0, 3)).toEqual([row.user_id, count(row.requests), count(row.total_tokens)]);
    }
    // Top keys: the stored key by name, the rest (the admin key) as "no stored key".
    expect((await rowCells(page, 'Top client keys', KEY_NAME)).slice(0, 2)).toEqual([KEY_NAME, '1']);
    expect((await rowCells(page, 'Top client keys', '(no stored key)')).slice(0, 2)).toEqual([
      '(no stored key)',
      '3',
    ]);
    await shoot(page, 'usage-1280');
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(1280);

    // One community: the figures change to its own.
    await choose(page, SHOP, SHOP);
    const shopUsers = await usage(`group_by=user&community_id=${encodeURIComponent(SHOP)}`);
    expect(shopUsers).toMatchObject([{ user_id: 'carol', requests: 1 }]);
    expect((await rowCells(page, 'Usage per day', today)).slice(0, 2)).toEqual([today, '1']);
    expect(await rowCells(page, 'Top users', 'carol')).toContain(count(shopUsers[0]?.total_tokens ?? 0));
    expect(await page.getByRole('region', { name: 'Top users' }).getByRole('row').count()).toBe(2);
    expect(await canvas.getAttribute('aria-label')).toContain(`${SHOP},`);

    await choose(page, DEFAULT_COMMUNITY, DEFAULT_COMMUNITY);
    expect((await rowCells(page, 'Usage per day', today)).slice(0, 2)).toEqual([today, '3']);
    expect(await rowCells(page, 'Top users', 'carol')).toEqual([]);
    expect((await rowCells(page, 'Top users', 'alice')).slice(0, 2)).toEqual(['alice', '2']);

    // A range that ends before it starts is refused beside the field, without a call.
    await page.getByLabel('From (UTC day)').fill('2030-01-02');
    await page.getByLabel('To (UTC day)').fill('2030-01-01');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('alert').filter({ hasText: 'From: must be on or before To.' }).waitFor();
    expect(await page.getByLabel('From (UTC day)').getAttribute('aria-invalid')).toBe('true');
    expect(errors).toEqual([]);
  }, 120_000);

  it('works at 375 px in the dark scheme, and a client key gets a notice, not a 403', async () => {
    const { page, errors } = await open(VIEWPORTS.phone, 'dark');
    await signIn(page, ADMIN_KEY);
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('status').filter({ hasText: 'All communities, ' }).waitFor({ timeout: SLOW_MS });
    const canvas = page.getByRole('img', { name: /^Tokens and requests per day/ });
    await waitFor(async () => (await paintedPixels(canvas)) > 1000, SLOW_MS, 'the chart drawn');
    await page.getByRole('region', { name: 'Top users' }).getByRole('rowheader', { name: 'alice' }).waitFor();
    await shoot(page, 'usage-375-dark');
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(375);
    expect(errors).toEqual([]);

    const client = await open(VIEWPORTS.desktop);
    await signIn(client.page, CLIENT_KEY);
    await client.page.getByRole('link', { name: 'Usage' }).click();
    await client.page.getByText('Usage figures need the admin key').waitFor();
    expect(await client.page.getByRole('img').count()).toBe(0);
    await shoot(client.page, 'usage-read-only-1280');
    expect(client.errors).toEqual([]);
  }, 120_000);
});
