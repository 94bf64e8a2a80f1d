/**
 * The console's Communities page in real Chromium (issue 18) against chatgate on 127.0.0.1 with a
 * fake Ollama: pick a stored community, break a field and read the API's 400 beside it (named by
 * the input's `aria-describedby`, `aria-invalid` set), fix it and save (only the changes go out, as
 * a PATCH; the config API then holds them), edit channel overrides, see the write-only key never
 * come back, send a Test line and read the fake's answer and provider; an emptied field is saved
 * by a PUT that keeps the key; 375 px without overflow, dark, keyboard; a client key is told the
 * settings are the admin's; a community opened by id before the list came back shows its stored
 * config. Console errors fail the tests. Screenshots go to test/browser/shots/.
 */
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';
import {
  launchChromium,
  openConsole,
  SLOW_MS,
  shoot,
  signIn,
  VIEWPORTS,
  type WatchedPage,
} from './support/browser.js';

const ADMIN_KEY = 'communities-admin-key';
const CLIENT_KEY = 'communities-client-key';
const COMMUNITY = 'twitch:channel:1234';
const OTHER = 'discord:guild:4242';
const PROVIDER_KEY = 'sk-provider-secret-9876';
/** What Chromium logs for an answer of 400 (an expected refusal of a bad field). */
const REFUSED = 'Failed to load resource: the server responded with a status of 400 (Bad Request)';

describeNeeding(['chromium'], 'the console’s Communities page in Chromium', () => {
  let ollama: FakeServer;
  let pipeline: Pipeline;
  let browser: Browser;
  let base: string;

  /** The stored config, read through the API as any client would. */
  async function storedConfig(communityId: string): Promise<Record<string, unknown>> {
    const response = await pipeline.app.inject({
      method: 'GET',
      url: `/api/v1/communities/${encodeURIComponent(communityId)}/config`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  beforeAll(async () => {
    ollama = await startFakeOllama();
    const config = testConfig({
      auth: { adminKey: ADMIN_KEY, clientKeys: [CLIENT_KEY] },
      ai: { ollama: { host: ollama.url } },
    } as Parameters<typeof testConfig>[0]);
    pipeline = await startPipeline(config);
    base = await pipeline.app.listen({ host: '127.0.0.1', port: 0 });
    for (const [communityId, body] of [
      [
        COMMUNITY,
        {
          personality: 'fun',
          budgets: { user_daily_tokens: 5000 },
          channels: { '1100': { personality: 'creative' } },
        },
      ],
      [OTHER, { model: 'llama3.2' }],
    ] as const) {
      const written = await pipeline.app.inject({
        method: 'PATCH',
        url: `/api/v1/communities/${encodeURIComponent(communityId)}/config`,
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        payload: body,
      });
      expect(written.statusCode).toBe(200);
    }
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pipeline?.close();
    await ollama?.close();
  });

  /** A console page, with the API calls it makes from its first load on. */
  async function open(
    viewport: { width: number; height: number },
    colorScheme: 'light' | 'dark' = 'light',
  ): Promise<WatchedPage & { api: Request[] }> {
    const calls: Request[] = [];
    const watched = await openConsole(browser, base, viewport, colorScheme, (page) =>
      page.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/api/')) calls.push(request);
      }),
    );
    return { ...watched, api: calls };
  }

  const communityButton = (page: Page, communityId: string) =>
    page.getByRole('button', { name: new RegExp(`^${communityId} `) });

  /** The input's error text, once shown: the element its `aria-describedby` names that holds `text`. */
  async function describedError(page: Page, label: string, text: string): Promise<string> {
    await page.locator('.field-error', { hasText: text }).first().waitFor();
    const input = page.getByLabel(label, { exact: true });
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    const ids = (await input.getAttribute('aria-describedby'))?.split(' ') ?? [];
    const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
    const found = texts.find((value) => value?.includes(text));
    expect(found, `${label} described by ${ids.join(', ')}: ${texts.join(' | ')}`).toBeDefined();
    return found ?? '';
  }

  it('shows the 400 beside the bad field, saves the fix as a PATCH of the changes, and tests a line', async () => {
    const { page, errors, api } = await open(VIEWPORTS.desktop);
    await signIn(page, ADMIN_KEY);
    const beforePage = api.length;
    await page.getByRole('link', { name: 'Communities' }).click();
    await communityButton(page, COMMUNITY).waitFor();
    // Rendering the page takes one call: the list of stored configs (the live stream is open already).
    expect(
      api.slice(beforePage).map((request) => `${request.method()} ${new URL(request.url()).pathname}`),
    ).toEqual(['GET /api/v1/communities']);
    expect(await communityButton(page, COMMUNITY).textContent()).toContain('configured');

    await communityButton(page, COMMUNITY).click();
    await page.getByRole('heading', { name: COMMUNITY }).waitFor();
    // Choosing a listed community opens it from the list's data: no further call.
    expect(api.length - beforePage).toBe(1);
    expect(await page.getByLabel('Personality', { exact: true }).inputValue()).toBe('fun');
    expect(await page.getByLabel('Per user (tokens)').inputValue()).toBe('5000');
    expect(await page.getByLabel('channel 1100, Personality', { exact: true }).inputValue()).toBe('creative');
    await page.getByText('Stored key: not set.').waitFor();

    // Break a field: a human grace of 100 ms (0, or 5,000–300,000); type a provider key too.
    await page.getByLabel('API key').fill(PROVIDER_KEY);
    await page.locator('details[data-trigger="question"] > summary').first().click();
    const grace = 'question: human grace (ms)';
    await page.getByLabel(grace, { exact: true }).fill('100');
    await page.getByRole('button', { name: 'Save' }).click();
    const error = await page.locator('.field-error', { hasText: 'triggers.question.human_grace_ms' });
    await error.waitFor();
    expect(await describedError(page, grace, 'triggers.question.human_grace_ms')).toMatch(
      /^triggers\.question\.human_grace_ms: /,
    );
    expect(
      await page
        .getByLabel(grace, { exact: true })
        .evaluate((input) => input === input.ownerDocument.activeElement),
    ).toBe(true);
    await page.getByRole('status').filter({ hasText: 'Not saved.' }).waitFor();
    // The refused save is the browser's one log line.
    expect(errors.splice(0)).toEqual([REFUSED]);
    await shoot(page, 'communities-error-1280');
    expect((await storedConfig(COMMUNITY)).has_api_key).toBe(false);

    // Fix it and save: the error goes, "Saved." shows, and only the changes went out.
    await page.getByLabel(grace, { exact: true }).fill('10000');
    const saving = page.waitForRequest(
      (request) => request.method() !== 'GET' && request.url().endsWith('/config'),
    );
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const sent = await saving;
    expect(sent.method()).toBe('PATCH');
    expect(sent.postDataJSON()).toEqual({
      triggers: { question: { human_grace_ms: 10000 } },
      api_key: PROVIDER_KEY,
    });
    expect(await page.getByLabel(grace, { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await error.count()).toBe(0);
    const saved = await storedConfig(COMMUNITY);
    expect(saved).toMatchObject({
      personality: 'fun',
      has_api_key: true,
      triggers: { question: { human_grace_ms: 10000 } },
      budgets: { user_daily_tokens: 5000 },
      channels: { '1100': { personality: 'creative' } },
    });
    // The key is write-only: the field is empty again and the page shows only that one is set.
    expect(await page.getByLabel('API key').inputValue()).toBe('');
    await page.getByText('Stored key: set.').waitFor();
    expect(await page.content()).not.toContain(PROVIDER_KEY);
    expect(await page.content()).not.toContain(PROVIDER_KEY.slice(-4));

    // Channel overrides: remove 1100, add 2200 with its own model and a trigger off; one PATCH.
    await page.getByRole('button', { name: 'Remove channel 1100' }).click();
    await page.getByLabel('New channel id').fill('2200');
    await page.getByRole('button', { name: 'Add channel' }).click();
    await page.getByLabel('channel 2200, Model', { exact: true }).fill('qwen3:0.6b');
    await page.getByText('Triggers in 2200').click();
    await page.locator('[data-channel="2200"] details[data-trigger="greeting"] > summary').click();
    await page.getByLabel('channel 2200, greeting: enabled', { exact: true }).selectOption('off');
    const channelSave = page.waitForRequest(
      (request) => request.method() !== 'GET' && request.url().endsWith('/config'),
    );
    await page.getByRole('button', { name: 'Save' }).click();
    expect((await channelSave).postDataJSON()).toEqual({
      channels: { '1100': null, '2200': { model: 'qwen3:0.6b', triggers: { greeting: { enabled: false } } } },
    });
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await storedConfig(COMMUNITY)).channels).toEqual({
      '2200': { model: 'qwen3:0.6b', triggers: { greeting: { enabled: false } } },
    });

    // Test: one line through the community's chain, answered by the fake Ollama.
    await page.getByLabel('Line to send').fill('hello there, are you awake?');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    const result = page.locator('.test-result');
    await result.getByText('Hello from the fake').waitFor({ timeout: SLOW_MS });
    expect(await result.locator('dd').first().textContent()).toBe('ollama');
    await result.getByText(/^\d+ ms$/).waitFor();
    await shoot(page, 'communities-1280');
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(1280);
    expect(errors).toEqual([]);
  }, 60_000);

  it('works at 375 px and by keyboard, saves an emptied field by a PUT that keeps the key; a client key is told no', async () => {
    const { page, errors } = await open(VIEWPORTS.phone);
    await signIn(page, ADMIN_KEY);
    await page.getByRole('link', { name: 'Communities' }).click();
    const other = communityButton(page, OTHER);
    await other.waitFor();
    await other.focus();
    await page.keyboard.press('Enter');
    const heading = page.getByRole('heading', { name: OTHER });
    await heading.waitFor();
    expect(await heading.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    expect(await page.getByLabel('Model', { exact: true }).inputValue()).toBe('llama3.2');
    await shoot(page, 'communities-375');
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(375);

    // Tab through the form: each control reached is scrolled into view above the sticky Save bar,
    // never under it (WCAG 2.4.11, focus not obscured).
    const hidden: string[] = [];
    for (let step = 0; step < 60; step += 1) {
      await page.keyboard.press('Tab');
      const under = await page.locator('.save-bar').evaluate((bar) => {
        const focused = bar.ownerDocument.activeElement;
        if (!focused?.closest('.config-form') || bar.contains(focused)) return undefined;
        const box = focused.getBoundingClientRect();
        const barTop = bar.getBoundingClientRect().top;
        return box.bottom > barTop
          ? `${focused.getAttribute('name') ?? focused.tagName} at ${box.top}`
          : undefined;
      });
      if (under) hidden.push(under);
    }
    expect(hidden).toEqual([]);

    // A probability of 3 is refused beside its field; 0.5 is taken.
    await page.locator('details[data-trigger="mention"] > summary').first().click();
    await page.getByLabel('mention: probability', { exact: true }).fill('3');
    await page.getByLabel('API key').fill(PROVIDER_KEY);
    await page.getByRole('button', { name: 'Save' }).click();
    await describedError(page, 'mention: probability', 'must be <= 1');
    expect(errors.splice(0)).toEqual([REFUSED]);
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(375);
    await shoot(page, 'communities-error-375');
    await page.getByLabel('mention: probability', { exact: true }).fill('0.5');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await storedConfig(OTHER)).toMatchObject({
      has_api_key: true,
      triggers: { mention: { probability: 0.5 } },
    });

    // Emptying the model can only be said by a PUT of the whole form; the stored key stays.
    await page.getByLabel('Model', { exact: true }).fill('');
    const put = page.waitForRequest(
      (request) => request.method() !== 'GET' && request.url().endsWith('/config'),
    );
    await page.getByRole('button', { name: 'Save' }).click();
    const request = await put;
    expect(request.method()).toBe('PUT');
    expect(request.postDataJSON()).not.toHaveProperty('api_key');
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await storedConfig(OTHER)).toMatchObject({
      model: null,
      has_api_key: true,
      triggers: { mention: { probability: 0.5 } },
    });
    // Removing the key is a choice of its own.
    await page.getByLabel('Remove the stored key').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Stored key: not set.').waitFor();
    expect((await storedConfig(OTHER)).has_api_key).toBe(false);
    expect(errors).toEqual([]);

    // The dark scheme at 375 px.
    const dark = await open(VIEWPORTS.phone, 'dark');
    await signIn(dark.page, ADMIN_KEY);
    await dark.page.getByRole('link', { name: 'Communities' }).click();
    await communityButton(dark.page, COMMUNITY).click();
    await dark.page.getByRole('heading', { name: COMMUNITY }).waitFor();
    // A closed trigger tells that it has settings of its own.
    expect(await dark.page.locator('details[data-trigger="question"] > summary').first().textContent()).toBe(
      'question · 1 set',
    );
    await shoot(dark.page, 'communities-375-dark');
    expect(await dark.page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(375);
    expect(dark.errors).toEqual([]);

    // A client key: the config routes are the admin's (403), so the page says so and asks nothing.
    const client = await open(VIEWPORTS.desktop);
    await signIn(client.page, CLIENT_KEY);
    const before = client.api.length;
    await client.page.getByRole('link', { name: 'Communities' }).click();
    await client.page.getByText('read and changed with the admin key only').waitFor();
    expect(await client.page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    expect(client.api.slice(before)).toEqual([]);
    const refused = await pipeline.app.inject({
      method: 'GET',
      url: '/api/v1/communities',
      headers: { authorization: `Bearer ${CLIENT_KEY}` },
    });
    expect(refused.statusCode).toBe(403);
    expect(client.errors).toEqual([]);
  }, 60_000);
  it('opens a community typed by id before the list came back with its stored config, not the defaults', async () => {
    const { page, errors } = await open(VIEWPORTS.desktop);
    // The list of stored configs is held back until the community was opened by id.
    let releaseList: () => void = () => {};
    const listHeld = new Promise<void>((resolve) => {
      releaseList = resolve;
    });
    await page.route(/\/api\/v1\/communities\?/, async (route) => {
      await listHeld;
      await route.continue();
    });
    await signIn(page, ADMIN_KEY);
    await page.getByRole('link', { name: 'Communities' }).click();
    await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
    await page.getByLabel('Community id').fill(COMMUNITY);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: COMMUNITY }).waitFor({ timeout: SLOW_MS });
    await page.getByText(/^Stored; last changed /).waitFor();
    expect(await page.getByLabel('Personality', { exact: true }).inputValue()).toBe('fun');
    releaseList();
    await communityButton(page, OTHER).waitFor();
    expect(errors).toEqual([]);
  }, 60_000);
});
