/**
 * The console's playground in real Chromium (issue 18) against chatgate listening on 127.0.0.1
 * with a fake Ollama whose stream the test paces part by part: the reply is seen growing before
 * its `done`, with its status and who answered; a second message at once is answered too (the web
 * chat's triggers are off); Shift+Enter is a new line; a dropped socket reconnects to the same
 * session; another persona or community starts a new conversation; leaving the page closes the
 * socket; a client key chats in its own community only; a failing model shows the `error` frame's
 * text, hybrid mode the local fallback, and a spent budget the reason explained. Console errors
 * fail the test. Screenshots go to test/browser/shots/ (gitignored).
 */
import type { Browser, Page, WebSocket, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { escapeRegExp } from '../../src/router/triggers/words.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';
import {
  launchChromium,
  openConsole,
  SLOW_MS,
  shoot,
  signIn,
  VIEWPORTS,
  type WatchedPage,
} from './support/browser.js';

const ADMIN_KEY = 'playground-admin-key';
const CLIENT_KEY = 'playground-client-key';
const COMMUNITY = 'web:playground';
const REPLY = 'Tokens arrive one at a time, so the reply grows as you watch it.';

describeNeeding(['chromium'], 'the console playground in Chromium', () => {
  let ollama: FakeServer;
  let pipeline: Pipeline;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    // Remote only, without the local responder: a failing model ends the message with an error frame.
    const config = testConfig({
      auth: { adminKey: ADMIN_KEY, clientKeys: [CLIENT_KEY] },
      ai: { ollama: { host: ollama.url }, mode: 'remote', offlineResponses: false },
    } as Parameters<typeof testConfig>[0]);
    pipeline = await startPipeline(config);
    base = await pipeline.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pipeline?.close();
    await ollama?.close();
  });

  /** A page signed in with `key` (the admin key), on the playground, its socket signed in. */
  async function openPlayground(
    viewport: { width: number; height: number },
    colorScheme: 'light' | 'dark' = 'light',
    beforeLoad?: (page: Page) => Promise<void>,
    key = ADMIN_KEY,
  ): Promise<WatchedPage & { sockets: WebSocket[]; apiCalls: string[] }> {
    const watched = await openConsole(browser, base, viewport, colorScheme, beforeLoad);
    const { page } = watched;
    await signIn(page, key);
    // From here on: what the playground asks of chatgate to render.
    const sockets: WebSocket[] = [];
    const apiCalls: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket));
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/')) apiCalls.push(request.url());
    });
    await page.getByRole('link', { name: 'Playground' }).click();
    await connected(page);
    return { ...watched, sockets, apiCalls };
  }

  const connected = (page: Page) =>
    page.getByRole('status').filter({ hasText: 'Connected as ' }).waitFor({ timeout: SLOW_MS });

  /** The newest bot reply in the transcript. */
  const lastReply = (page: Page) =>
    page.getByRole('log', { name: 'Transcript' }).getByRole('article', { name: 'Bot' }).last();

  /** The newest reply's text and status, as the page shows them. */
  const shown = (page: Page) =>
    lastReply(page).evaluate((turn) => ({
      text: turn.querySelector('.text')?.textContent ?? '',
      status: turn.querySelector('.badge')?.textContent ?? '',
    }));

  /** Waits until the newest reply's status badge says `status`. */
  const settled = (page: Page, status: string) =>
    lastReply(page)
      .locator('.badge', { hasText: new RegExp(`^${status}$`) })
      .waitFor({ timeout: SLOW_MS });

  /** Waits until the newest reply shows more than `shownBefore` (and begins with it). */
  const grownPast = (page: Page, shownBefore: string) =>
    lastReply(page)
      .locator('.text', { hasText: new RegExp(`^${escapeRegExp(shownBefore)}.`) })
      .waitFor({ timeout: SLOW_MS });

  /** Sends `text` the way a person does: typed into "Message", Enter. */
  async function say(page: Page, text: string): Promise<void> {
    await page.getByLabel('Message').fill(text);
    await page.getByLabel('Message').press('Enter');
  }

  it('streams a reply token by token, shows who answered, answers the next at once, and switches persona', async () => {
    const { page, errors, sockets, apiCalls } = await openPlayground(VIEWPORTS.desktop);
    // One socket, no HTTP call: the communities come from the live feed's memory, the personas
    // from the socket's ready frame.
    expect(sockets).toHaveLength(1);
    expect(apiCalls).toEqual([]);
    await page.getByLabel('Persona').locator('option[value="creative"]').waitFor({ state: 'attached' });
    expect(await page.getByLabel('Community').inputValue()).toBe(COMMUNITY);

    // The fake writes the first word, then waits for the test before each next one.
    const gates: (() => void)[] = [];
    let hold = true;
    ollama.behave({
      reply: REPLY,
      paceParts: () => (hold ? new Promise<void>((release) => gates.push(release)) : Promise.resolve()),
    });
    await say(page, 'how does streaming work?');
    await waitFor(() => gates.length === 1, SLOW_MS, 'the fake to hold its second part');
    await grownPast(page, '');
    const first = await shown(page);
    expect(first.status).toBe('streaming');
    expect(REPLY.startsWith(first.text)).toBe(true);
    gates.shift()?.();
    await grownPast(page, first.text);
    const second = await shown(page);
    // Longer, the same beginning, and still not done: the fake holds the rest.
    expect(second.text.length).toBeGreaterThan(first.text.length);
    expect(second.text.startsWith(first.text)).toBe(true);
    expect(second.status).toBe('streaming');
    await waitFor(() => gates.length === 1, SLOW_MS, 'the fake to hold its third part');
    hold = false;
    for (const release of gates.splice(0)) release();
    await settled(page, 'done');
    const reply = lastReply(page);
    expect(await reply.locator('.text').textContent()).toBe(REPLY);
    await reply.getByText('ollama · llama3.2 · remote').waitFor();
    await shoot(page, 'playground-1280');

    // Shift+Enter is a new line, not a send; Enter right after the last answer is answered too
    // (no cooldown: the web chat's triggers are off).
    ollama.behave({ reply: 'Two lines, one answer.', paceParts: undefined });
    const message = page.getByLabel('Message');
    await message.fill('line one');
    await message.press('Shift+Enter');
    await message.pressSequentially('line two');
    expect(await message.inputValue()).toBe('line one\nline two');
    expect(await page.getByRole('article', { name: 'You' }).count()).toBe(1);
    await message.press('Enter');
    await settled(page, 'done');
    expect(await page.getByRole('article', { name: 'You' }).last().textContent()).toBe('line one\nline two');
    expect(await message.inputValue()).toBe('');
    expect((await shown(page)).text).toBe('Two lines, one answer.');

    // Send → first delta shown, measured in the page (User Timing), over a few unpaced replies.
    for (let n = 0; n < 5; n += 1) {
      await say(page, `timing ${n}`);
      await settled(page, 'done');
    }
    const timings = await page.evaluate(() =>
      performance.getEntriesByName('playground:send-to-first-delta').map((entry) => entry.duration),
    );
    expect(timings.length).toBe(7);
    const sorted = [...timings.slice(2)].sort((a, b) => a - b);
    console.log(
      `playground: send → first delta shown, ms (5 unpaced replies): median ${sorted[2]?.toFixed(1)}, max ${sorted[4]?.toFixed(1)}`,
    );

    // Another persona: a new conversation on a new socket, answered in that persona.
    expect(sockets).toHaveLength(1);
    await page.getByLabel('Persona').selectOption('creative');
    await page.getByText('New conversation in web:playground, with persona creative.').waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: 'Connected as admin to web:playground, persona creative' })
      .waitFor();
    await say(page, 'who are you today?');
    await settled(page, 'done');
    const body = ollama.calls.at(-1)?.body as { messages: { role: string; content: string }[] };
    const system = body.messages.find((one) => one.role === 'system')?.content ?? '';
    expect(system).toContain(pipeline.services.config.personalities.creative?.slice(0, 40));
    expect(sockets).toHaveLength(2);
    expect(sockets[0]?.isClosed()).toBe(true);

    // Leaving the page closes its socket; no HTTP call was made for the page.
    await page.getByRole('link', { name: 'Overview' }).click();
    await waitFor(() => sockets[1]?.isClosed(), SLOW_MS, 'the socket to close');
    expect(sockets).toHaveLength(2);
    expect(apiCalls).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('works at 375 px in the dark, and a dropped socket reconnects to the same session', async () => {
    const routes: WebSocketRoute[] = [];
    const { page, errors } = await openPlayground(VIEWPORTS.phone, 'dark', (page) =>
      // A relay between page and chatgate, so that the test can drop the connection.
      page.routeWebSocket(/\/api\/v1\/ws\/chat$/, (route) => {
        route.connectToServer();
        routes.push(route);
      }),
    );
    ollama.reset();
    ollama.behave({ reply: 'Small screens get the whole answer too.' });
    await say(page, 'does this fit a phone?');
    await settled(page, 'done');
    const before = await page.getByRole('status').filter({ hasText: 'Connected' }).textContent();
    const session = before?.match(/session ([\w-]+)/)?.[1];
    expect(session).toBeTruthy();

    await routes[0]?.close({ code: 1012, reason: 'restarting' });
    await page.getByRole('status').filter({ hasText: 'Connection lost (1012)' }).waitFor();
    await connected(page);
    expect(routes).toHaveLength(2);
    await page
      .getByRole('status')
      .filter({ hasText: `session ${session}` })
      .waitFor();
    await say(page, 'still there?');
    await settled(page, 'done');
    // Nothing wider than the screen.
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(375);
    await shoot(page, 'playground-375-dark');
    expect(errors).toEqual([]);
  }, 60_000);

  it('stops, with the reason, when a reconnect hello is refused instead of retrying it', async () => {
    const routes: WebSocketRoute[] = [];
    const { page, errors } = await openPlayground(VIEWPORTS.desktop, 'light', (page) =>
      // A relay that, from the second connection on, asks for a persona chatgate does not have
      // (as after a restart with fewer personalities): the real server refuses that hello.
      page.routeWebSocket(/\/api\/v1\/ws\/chat$/, (route) => {
        const server = route.connectToServer();
        const reconnect = routes.length > 0;
        routes.push(route);
        route.onMessage((message) => {
          const frame = JSON.parse(String(message)) as { type: string };
          server.send(
            reconnect && frame.type === 'hello'
              ? JSON.stringify({ ...frame, personality: 'retired-persona' })
              : String(message),
          );
        });
      }),
    );
    await routes[0]?.close({ code: 1012, reason: 'restarting' });
    await page.getByRole('button', { name: 'Connect', exact: true }).waitFor({ timeout: SLOW_MS });
    await page
      .getByRole('status')
      .filter({ hasText: /personality: must be one of / })
      .waitFor();
    expect(routes).toHaveLength(2);
    expect(errors).toEqual([]);
  }, 60_000);

  it('lets a client key chat in its own community only', async () => {
    const { page, errors } = await openPlayground(VIEWPORTS.desktop, 'light', undefined, CLIENT_KEY);
    const community = page.getByLabel('Community');
    expect(await community.inputValue()).toBe('api:default');
    expect(await community.getAttribute('readonly')).not.toBeNull();
    await page
      .getByRole('status')
      .filter({ hasText: /Connected as key:[0-9a-f]{12} to api:default/ })
      .waitFor();
    ollama.reset();
    await say(page, 'hello from a client key');
    await settled(page, 'done');
    expect(await lastReply(page).locator('.text').textContent()).toBe('Hello from the fake');
    expect(errors).toEqual([]);
  }, 60_000);

  it("shows a failed reply's error frame, the local fallback in hybrid mode, and a budget's refusal", async () => {
    const { page, errors } = await openPlayground(VIEWPORTS.desktop);
    // The newest community seen is the default (the client key's, now): back to the playground's.
    await page.getByRole('status').filter({ hasText: 'to api:default' }).waitFor();
    await page.getByLabel('Community').fill(COMMUNITY);
    await page.getByLabel('Community').press('Tab');
    await page.getByText(`New conversation in ${COMMUNITY}, with the community’s persona.`).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: `to ${COMMUNITY} ` })
      .waitFor();
    ollama.reset();
    ollama.behave({ fail: { status: 500, message: 'model crashed' } });
    await say(page, 'are you there?');
    await settled(page, 'error');
    await lastReply(page)
      .getByText(/no reply: .*ollama/)
      .waitFor();

    // Hybrid: the local responder answers instead, and the reply says why.
    const mode = await pipeline.app.inject({
      method: 'POST',
      url: '/api/v1/ai/admin/mode',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      payload: { mode: 'hybrid' },
    });
    expect(mode.statusCode).toBe(200);
    await say(page, 'and now?');
    await settled(page, 'done');
    await lastReply(page)
      .getByText(/Fallback: /)
      .waitFor();

    // Budgets hold in the playground: over the user's daily tokens, the message is ignored, with
    // the reason explained and chatgate's own notice.
    const budget = await pipeline.app.inject({
      method: 'PATCH',
      url: `/api/v1/communities/${COMMUNITY}/config`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      payload: { budgets: { user_daily_tokens: 1 } },
    });
    expect(budget.statusCode).toBe(200);
    await say(page, 'one more?');
    await settled(page, 'ignored');
    await lastReply(page)
      .getByText('The community or user spent its token budget.', { exact: false })
      .waitFor();
    await lastReply(page)
      .getByText(/chatgate/)
      .waitFor();
    await shoot(page, 'playground-error-1280');
    expect(errors).toEqual([]);
  }, 60_000);
});
