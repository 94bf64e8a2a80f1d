import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createTelegramAdapter,
  type TelegramAdapter,
  type TelegramAdapterOptions,
} from '../../../adapters/telegram/adapter.js';
import { type FakeTelegram, recordingHost, startFakeTelegram } from '../../fakes/fake-telegram.js';

const FAST = { interval: 5, timeout: 3000 };

describe('Telegram adapter lifecycle (long polling)', () => {
  let fake: FakeTelegram | undefined;
  let adapter: TelegramAdapter | undefined;
  let recorder: ReturnType<typeof recordingHost>;

  async function start(token?: string, options: TelegramAdapterOptions = {}): Promise<TelegramAdapter> {
    fake = await startFakeTelegram({ username: 'Chatgate_Test_Bot' });
    recorder = recordingHost();
    adapter = createTelegramAdapter(
      { botToken: token ?? fake.token, apiRoot: fake.url },
      { watchdogMs: 0, reconnectInitialMs: 20, limits: { perChatIntervalMs: 0 }, ...options },
    );
    if (!adapter) throw new Error('no adapter');
    await adapter.start(recorder.host);
    return adapter;
  }

  afterEach(async () => {
    await adapter?.stop();
    await fake?.close();
    adapter = undefined;
  });

  it('starts only with a token', () => {
    expect(createTelegramAdapter({ apiRoot: 'https://api.telegram.org' })).toBeUndefined();
    expect(createTelegramAdapter({ botToken: '', apiRoot: 'https://api.telegram.org' })).toBeUndefined();
  });

  it('learns its username with getMe, then polls, and sees mentions of it', async () => {
    const bot = await start();
    expect(bot.state()).toMatchObject({ platform: 'telegram', status: 'online' });
    expect(bot.state().error).toBeUndefined();
    expect(recorder.names).toEqual(['Chatgate_Test_Bot']);
    expect(fake?.callsOf('getMe')).toHaveLength(1);
    expect(fake?.callsOf('deleteWebhook').length).toBeGreaterThanOrEqual(1);
    await vi.waitFor(() => expect(fake?.callsOf('getUpdates').length).toBeGreaterThanOrEqual(1), FAST);
    expect(fake?.callsOf('getUpdates')[0]?.params).toMatchObject({
      timeout: 50,
      allowed_updates: ['message', 'channel_post', 'my_chat_member', 'chat_member'],
    });
    const text = '😋 hey @chatgate_test_bot';
    const id = fake?.pushUpdate({
      update_id: 1,
      message: {
        message_id: 5,
        from: { id: 9, is_bot: false, first_name: 'Ann' },
        chat: { id: -77, type: 'group', title: 'G' },
        date: 1,
        text,
        // UTF-16 offsets: the emoji is two code units, so the mention starts at 7 (6 in code points).
        entities: [{ type: 'mention', offset: 7, length: 18 }],
      },
    });
    await vi.waitFor(() => expect(recorder.ingested).toHaveLength(1), FAST);
    expect(recorder.ingested[0]).toMatchObject({ id: 'telegram:-77:5', mentionsBot: true, isDirect: false });
    await vi.waitFor(() => expect(fake?.confirmed(id ?? 0)).toBe(true), FAST);
    expect(bot.state().lastEventAt).toBeGreaterThan(Date.now() - 5000);
  });

  it('stops cleanly: the open long poll ends and no new one starts', async () => {
    const bot = await start();
    await vi.waitFor(() => expect(fake?.callsOf('getUpdates').length).toBeGreaterThanOrEqual(1), FAST);
    await bot.stop();
    expect(bot.state().status).toBe('offline');
    const polls = fake?.callsOf('getUpdates').length ?? 0;
    await sleep(100);
    // At most telegraf's one offset-confirming call after the abort.
    expect((fake?.callsOf('getUpdates').length ?? 0) - polls).toBeLessThanOrEqual(1);
  });

  it('stops at once right after start, while telegraf is still launching', async () => {
    const bot = await start(undefined, { stopGraceMs: 3000 });
    const started = Date.now();
    await bot.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await sleep(100);
    // No long poll was left running: none reached the server after the stop.
    expect(fake?.callsOf('getUpdates').filter((c) => c.params.timeout !== undefined)).toEqual([]);
  });

  it('with a wrong token: offline with a clear error naming no token, no retry, no crash', async () => {
    const wrong = '999999:WRONG-secret-token';
    const bot = await start(wrong);
    const state = bot.state();
    expect(state.status).toBe('offline');
    expect(state.error).toMatch(/401/);
    expect(state.error).toMatch(/TELEGRAM_BOT_TOKEN/);
    expect(state.error).not.toContain(wrong);
    expect(state.error).not.toContain('WRONG-secret');
    await sleep(150);
    expect(fake?.calls).toEqual([]); // the fake records only calls with its own token
    expect(recorder.logs.join('\n')).not.toContain('WRONG-secret');
    expect(recorder.names).toEqual([]);
  });

  it('reports a 409 conflict and polls again after a backoff', async () => {
    const bot = await start();
    fake?.fail('getUpdates', {
      error_code: 409,
      description:
        'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    });
    // Make the current poll end so that the failure is met on the next one.
    fake?.pushUpdate({ update_id: 1, edited_message: { message_id: 1, chat: { id: 1, type: 'private' } } });
    await vi.waitFor(() => expect(bot.state().error).toMatch(/409/), FAST);
    await vi.waitFor(() => expect(bot.state().status).toBe('online'), FAST);
    expect(bot.state().error).toBeUndefined();
    expect(fake?.callsOf('getMe').length).toBeGreaterThanOrEqual(2);
  });

  it('retries while the Bot API cannot be reached, then comes online', async () => {
    fake = await startFakeTelegram();
    const { url, token } = fake;
    await fake.close();
    recorder = recordingHost();
    adapter = createTelegramAdapter(
      { botToken: token, apiRoot: url },
      { reconnectInitialMs: 20, watchdogMs: 0 },
    );
    await adapter?.start(recorder.host);
    expect(adapter?.state()).toMatchObject({ status: 'reconnecting' });
    expect(adapter?.state().error).toMatch(/cannot reach the Telegram Bot API at http:\/\/127\.0\.0\.1/);
    expect(adapter?.state().error).not.toContain(token);
  });

  it('does not hang start when the Bot API accepts connections but never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    adapter = createTelegramAdapter(
      { botToken: '1:abc', apiRoot: `http://127.0.0.1:${port}` },
      { startTimeoutMs: 100, stopGraceMs: 100 },
    );
    const started = Date.now();
    await adapter?.start(recordingHost().host);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(adapter?.state().status).toBe('connecting');
    await adapter?.stop();
    adapter = undefined;
    silent.closeAllConnections();
    silent.close();
  });

  it('restarts a poll that stays silent past the watchdog', async () => {
    const bot = await start(undefined, { watchdogMs: 150, stopGraceMs: 100 });
    await vi.waitFor(() => expect(fake?.callsOf('getUpdates').length).toBeGreaterThanOrEqual(1), FAST);
    if (fake) fake.stallPolls = true;
    // The poll held now (timeout 50 s) is released by the fake on a push; stall the next one.
    fake?.pushUpdate({ update_id: 1, edited_message: { message_id: 1, chat: { id: 1, type: 'private' } } });
    await vi.waitFor(() => expect(fake?.callsOf('getMe').length).toBeGreaterThanOrEqual(2), FAST);
    expect(recorder.logs.some((line) => line.includes('restarting'))).toBe(true);
    if (fake) fake.stallPolls = false;
    await vi.waitFor(() => expect(bot.state().status).toBe('online'), FAST);
  });
});
