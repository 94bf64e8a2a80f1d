/**
 * The operator console in real Chromium (issue 18) against chatgate listening on 127.0.0.1 with the
 * Twitch IRC fake connected and a fake Ollama: sign in with the admin key, see the adapter online,
 * find an ignored event by status and read its reason, pause the community and see the next event
 * ignored as `paused`; the same pages at 375 px; a read-only client key. Console errors fail the
 * test. Screenshots of each page at both widths go to test/browser/shots/ (gitignored).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BOT, GOOD_TOKEN, roomIdFor, viewerLine } from '../adapters/twitch/harness.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { type FakeTwitch, startFakeTwitch } from '../fakes/fake-twitch.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';
import { launchChromium, openConsole, SLOW_MS, shoot, signIn, VIEWPORTS } from './support/browser.js';

const ADMIN_KEY = 'console-admin-key';
const CLIENT_KEY = 'console-client-key';
const COMMUNITY = `twitch:channel:${roomIdFor('mychan')}`;

describeNeeding(['chromium'], 'the operator console in Chromium', () => {
  let twitch: FakeTwitch;
  let ollama: FakeServer;
  let pipeline: Pipeline;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    twitch = await startFakeTwitch();
    const config = testConfig({
      auth: { adminKey: ADMIN_KEY, clientKeys: [CLIENT_KEY] },
      ai: { ollama: { host: ollama.url } },
      platforms: {
        twitch: {
          username: BOT,
          oauthToken: GOOD_TOKEN,
          channels: ['mychan'],
          server: '127.0.0.1',
          port: twitch.port,
          secure: false,
        },
      },
    } as Parameters<typeof testConfig>[0]);
    pipeline = await startPipeline(config);
    base = await pipeline.app.listen({ host: '127.0.0.1', port: 0 });
    await waitFor(() => twitch.joinedChannels().includes('mychan'), SLOW_MS, 'the bot to join #mychan');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pipeline?.close();
    await twitch?.close();
    await ollama?.close();
  });

  const open = (viewport: { width: number; height: number }, colorScheme: 'light' | 'dark' = 'light') =>
    openConsole(browser, base, viewport, colorScheme);

  /** The live tail's row of the interaction whose event text is `text`. */
  const tailRow = (page: Page, text: string) =>
    page.getByRole('region', { name: 'Live tail' }).locator('tr', { hasText: text });

  it('signs in, shows the adapter online, explains an ignored event, and pauses a community', async () => {
    const { page, errors } = await open(VIEWPORTS.desktop);
    await shoot(page, 'sign-in-1280');

    // A wrong key: the form says so and the field keeps focus (the 401 is the browser's one log line).
    await page.getByLabel('Admin key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not known' }).waitFor();
    expect(errors.splice(0).every((line) => line.includes('401'))).toBe(true);
    expect(
      await page.getByLabel('Admin key').evaluate((input) => input === input.ownerDocument.activeElement),
    ).toBe(true);

    await signIn(page, ADMIN_KEY);
    const twitchRow = page.getByRole('region', { name: 'Platforms' }).locator('tr', { hasText: 'twitch' });
    await twitchRow.getByText('online').waitFor({ timeout: SLOW_MS });
    expect(await page.url()).not.toContain(ADMIN_KEY);

    // An event no trigger matches, live in the tail without a reload.
    twitch.inject(viewerLine('mychan', 'c1', 'lol that was close'));
    await page.getByRole('link', { name: 'Interactions' }).click();
    await tailRow(page, 'lol that was close').getByText('ignored').waitFor({ timeout: SLOW_MS });
    // The overview shows the channel it was seen in (live: the status after the event).
    await page.getByRole('link', { name: 'Overview' }).click();
    await twitchRow.getByText('mychan').waitFor();
    await shoot(page, 'overview-1280');

    // Search by status and reason, open the row, read why.
    await page.getByRole('link', { name: 'Interactions' }).click();
    await page.getByLabel('Status').selectOption('ignored');
    await page.getByLabel('Reason').fill('no_trigger');
    await page.getByRole('button', { name: 'Search' }).click();
    const found = page
      .getByRole('region', { name: 'Search results' })
      .locator('tr', { hasText: 'lol that was close' });
    await found.waitFor();
    await found.getByRole('button').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('No trigger matched').waitFor();
    await shoot(page, 'interaction-detail-1280');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(
      await found.getByRole('button').evaluate((button) => button === button.ownerDocument.activeElement),
    ).toBe(true);
    await shoot(page, 'interactions-1280');
    // Nothing wider than the window (the search form's date fields once were).
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(1280);

    // Pause the community from the overview; the next message that calls the bot is ignored as paused.
    await page.getByRole('link', { name: 'Overview' }).click();
    const pause = page.getByRole('switch', { name: `Pause ${COMMUNITY}` });
    await pause.check();
    await page.getByText(`${COMMUNITY} is paused.`).waitFor();
    twitch.inject(
      viewerLine('mychan', 'c2', `@${BOT} are you there?`).replace('user-id=4242', 'user-id=4243'),
    );
    await page.getByRole('link', { name: 'Interactions' }).click();
    await tailRow(page, 'are you there?').getByText('paused').waitFor({ timeout: SLOW_MS });
    const paused = await pipeline.app.inject({
      method: 'GET',
      url: `/api/v1/communities/${encodeURIComponent(COMMUNITY)}/pause`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(paused.json()).toMatchObject({ community_id: COMMUNITY, paused: true });

    // Resume; the next call is answered, and its detail gives the prompt's size as the model got it.
    await page.getByRole('link', { name: 'Overview' }).click();
    await pause.uncheck();
    await page.getByText(`${COMMUNITY} is answering.`).waitFor();
    twitch.inject(viewerLine('mychan', 'c3', `@${BOT} what is up?`).replace('user-id=4242', 'user-id=4244'));
    await page.getByRole('link', { name: 'Interactions' }).click();
    const answered = tailRow(page, 'what is up?');
    await answered.getByText('done').waitFor({ timeout: SLOW_MS });
    await answered.getByRole('button').click();
    await page
      .getByRole('dialog')
      .getByText(/^\d+ messages · [\d,]+ chars · [\d,]+ tokens$/)
      .waitFor();
    await page.keyboard.press('Escape');

    // Switch the mode with the keyboard, sign out.
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByLabel('local').focus();
    await page.keyboard.press('Space');
    await page.getByText('Mode: local.').waitFor();
    expect(pipeline.services.ai.mode).toBe('local');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin key').waitFor();
    expect(errors).toEqual([]);
  }, 120_000);

  it('works at 375 px in the dark scheme, and a client key sees its community read-only', async () => {
    const { page, errors } = await open(VIEWPORTS.phone, 'dark');
    await shoot(page, 'sign-in-375-dark');
    await signIn(page, ADMIN_KEY);
    await page
      .getByRole('region', { name: 'Platforms' })
      .getByRole('row', { name: /^twitch / })
      .getByText('online')
      .waitFor({ timeout: SLOW_MS });
    await shoot(page, 'overview-375-dark');
    await page.getByRole('link', { name: 'Interactions' }).click();
    await tailRow(page, 'lol that was close').waitFor();
    await shoot(page, 'interactions-375-dark');
    await tailRow(page, 'lol that was close').getByRole('button').click();
    await page.getByRole('dialog').getByText('No trigger matched').waitFor();
    await shoot(page, 'interaction-detail-375-dark');
    // Nothing wider than the screen but the tables' own scroll boxes.
    const overflow = await page.locator('html').evaluate((html) => html.scrollWidth);
    expect(overflow).toBeLessThanOrEqual(375);
    expect(errors).toEqual([]);

    // A static client key: community `api:default`, no switches to flip, no Twitch chat shown.
    const client = await open(VIEWPORTS.desktop);
    await signIn(client.page, CLIENT_KEY);
    await client.page.getByText('Read-only: api:default').waitFor();
    expect(await client.page.getByRole('radio', { name: 'hybrid' }).isDisabled()).toBe(true);
    await client.page.getByRole('link', { name: 'Interactions' }).click();
    await client.page.getByRole('heading', { name: 'Live tail' }).waitFor();
    expect(await client.page.getByText('lol that was close').count()).toBe(0);
    await shoot(client.page, 'read-only-interactions-1280');
    expect(client.errors).toEqual([]);
  }, 120_000);
});
