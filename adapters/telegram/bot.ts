/**
 * The telegraf wiring and the connection's life: `getMe` to learn who we are, then either long
 * polling (`deleteWebhook`, then telegraf's `launch`, whose promise settles only when polling ends)
 * or webhook mode (`setWebhook` with the secret; updates come in through `handleWebhookUpdate`).
 * A 401 (bad token) stops for good; anything else is retried with exponential backoff. Health is
 * judged by traffic: every answered `getUpdates` and every Update is a heartbeat, and a watchdog
 * restarts polling that has answered nothing for `watchdogMs` while claiming to be online.
 * Methods: https://core.telegram.org/bots/api#getme, #getupdates, #setwebhook, #deletewebhook
 */
import type { Logger } from 'pino';
import { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { AdapterStatus } from '../../src/core/adapter.js';
import { settlesWithin } from '../../src/core/settles-within.js';
import { describeConnectionFailure, readFailure, redact } from './api-error.js';

/** The Update kinds we ask for; the rest would only be dropped (normalize.ts). */
export const ALLOWED_UPDATES = ['message', 'channel_post', 'my_chat_member'] as const;

/** How the connection behaves. */
export interface BotOptions {
  token: string;
  /** Bot API root, e.g. `https://api.telegram.org`. */
  apiRoot: string;
  /** Webhook mode: the public URL Telegram posts to and the secret it sends; long polling when absent. */
  webhook?: { url: string; secret: string };
  /** Longest time one Update may be handled, ms (telegraf's `handlerTimeout`). */
  handlerTimeoutMs: number;
  /** Restart polling after this long without an answered `getUpdates`, ms; 0 turns the watchdog off. */
  watchdogMs: number;
  /** First reconnect delay, ms; doubles per failure up to `reconnectMaxMs`. */
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** The longest wait for telegraf's polling to end after `stop`, ms (a wedged connection may never answer). */
  stopTimeoutMs: number;
  /** `start` resolves after this long even if the first attempt has not ended (it goes on), ms. */
  startTimeoutMs: number;
}

/** What the bot calls back into. */
export interface BotHooks {
  logger: Logger;
  /** One Update, as telegraf received it; awaited before the next batch is fetched. */
  onUpdate(update: unknown): Promise<void>;
  /** Who we are, after every successful `getMe`. */
  onIdentity(me: { id: string; username: string }): void;
}

/** The connection's state, as `AdapterState` has it (without the platform). */
export interface BotState {
  status: AdapterStatus;
  lastEventAt?: number;
  error?: string;
}

/** The origin of a URL (no credentials, no path), for messages. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the configured API root';
  }
}

/** One Telegram bot connection over telegraf. */
export class TelegramBot {
  /** The telegraf instance; its `telegram` client is used for sending. */
  readonly telegraf: Telegraf;
  private status: AdapterStatus = 'offline';
  private error?: string;
  private lastEventAt?: number;
  private hooks?: BotHooks;
  private running = false;
  private failures = 0;
  /** Bumped by every connect and stop, so callbacks of an older attempt do nothing. */
  private generation = 0;
  private polling?: Promise<void>;
  /** False once polling should end: a poll telegraf starts late (its `launch` was mid-way) is stopped at once. */
  private pollingWanted = false;
  private retryTimer?: NodeJS.Timeout;
  private watchdogTimer?: NodeJS.Timeout;

  constructor(private readonly options: BotOptions) {
    this.telegraf = new Telegraf(options.token, {
      telegram: { apiRoot: options.apiRoot },
      handlerTimeout: options.handlerTimeoutMs,
    });
    this.observeHeartbeats();
    this.telegraf.use(async (ctx) => {
      this.beat();
      await this.hooks?.onUpdate(ctx.update);
    });
    this.telegraf.catch((error: unknown) => {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.hooks?.logger.error(
        { error: redact(detail, options.token) },
        'telegram: handling an update failed',
      );
    });
  }

  state(): BotState {
    return {
      status: this.status,
      ...(this.lastEventAt !== undefined ? { lastEventAt: this.lastEventAt } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  /** Whether webhook updates are taken now: started, and `getMe` has answered once. */
  accepting(): boolean {
    return this.running && this.telegraf.botInfo !== undefined;
  }

  /**
   * Connects once; resolves when online, when that attempt failed (then retried in the background),
   * or after `startTimeoutMs` (telegraf's own request timeout is 500 s; the attempt goes on).
   */
  async start(hooks: BotHooks): Promise<void> {
    if (this.running) return;
    this.hooks = hooks;
    this.running = true;
    this.failures = 0;
    await settlesWithin(this.connect(), this.options.startTimeoutMs);
  }

  /** Feeds one webhook Update to telegraf (shaped like an Update: see webhook.ts `isUpdate`). */
  async handleWebhookUpdate(update: unknown): Promise<void> {
    await this.telegraf.handleUpdate(update as Update);
  }

  /** Stops polling (waiting for the open `getUpdates` to end) and every timer. */
  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdogTimer);
    await this.stopPolling();
    this.status = 'offline';
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    const current = () => this.running && generation === this.generation;
    const { webhook } = this.options;
    this.status = this.failures === 0 && this.lastEventAt === undefined ? 'connecting' : 'reconnecting';
    try {
      const me = await this.telegraf.telegram.getMe();
      if (!current()) return;
      this.telegraf.botInfo = me;
      this.hooks?.onIdentity({ id: String(me.id), username: me.username });
      if (webhook) {
        await this.telegraf.telegram.setWebhook(webhook.url, {
          secret_token: webhook.secret,
          allowed_updates: [...ALLOWED_UPDATES],
        });
      } else {
        await this.telegraf.telegram.deleteWebhook({ drop_pending_updates: false });
      }
      if (!current()) return;
      if (!webhook) this.launchPolling(current);
      this.status = 'online';
      this.error = undefined;
      this.failures = 0;
      this.beat();
      this.hooks?.logger.info(
        { bot: me.username, mode: webhook ? 'webhook' : 'polling' },
        'telegram: online',
      );
      if (!webhook) this.armWatchdog();
    } catch (error) {
      if (current()) this.fail(error);
    }
  }

  /** Starts telegraf's long polling; its promise settles when polling ends (stop, or a fatal error). */
  private launchPolling(current: () => boolean): void {
    this.pollingWanted = true;
    const run = this.telegraf.launch({ allowedUpdates: [...ALLOWED_UPDATES] });
    this.polling = run.then(
      () => undefined,
      (error: unknown) => {
        if (current()) this.fail(error);
      },
    );
  }

  private fail(error: unknown): void {
    const failure = readFailure(error, this.options.token);
    const logger = this.hooks?.logger;
    this.error = describeConnectionFailure(failure, originOf(this.options.apiRoot));
    clearInterval(this.watchdogTimer);
    if (failure.code === 401) {
      this.status = 'offline';
      logger?.error({ code: 401 }, `telegram: ${this.error}; not retrying`);
      void this.stopPolling();
      return;
    }
    const { reconnectInitialMs, reconnectMaxMs } = this.options;
    const backoff = Math.min(reconnectMaxMs, reconnectInitialMs * 2 ** this.failures);
    const delay = Math.max(backoff, (failure.retryAfterSeconds ?? 0) * 1000);
    this.failures++;
    this.status = 'reconnecting';
    logger?.warn({ code: failure.code, delayMs: delay }, `telegram: ${this.error}; retrying`);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.reconnect(), delay);
  }

  /** Ends the old poll first: two concurrent `getUpdates` make Telegram answer 409. */
  private async reconnect(): Promise<void> {
    await this.stopPolling();
    if (this.running) await this.connect();
  }

  /** Aborts the open poll and waits (at most `stopTimeoutMs`) for telegraf's loop to end. */
  private async stopPolling(): Promise<void> {
    const polling = this.polling;
    if (!polling) return;
    this.polling = undefined;
    this.pollingWanted = false;
    try {
      this.telegraf.stop('chatgate');
    } catch {
      // Polling already ended (telegraf throws "Bot is not running!").
    }
    await settlesWithin(polling, this.options.stopTimeoutMs);
  }

  private armWatchdog(): void {
    clearInterval(this.watchdogTimer);
    const { watchdogMs } = this.options;
    if (watchdogMs <= 0) return;
    this.watchdogTimer = setInterval(
      () => {
        if (this.status !== 'online' || Date.now() - (this.lastEventAt ?? 0) <= watchdogMs) return;
        clearInterval(this.watchdogTimer);
        this.status = 'reconnecting';
        this.hooks?.logger.warn({ watchdogMs }, 'telegram: polling answered nothing; restarting it');
        void this.reconnect();
      },
      Math.max(20, Math.min(watchdogMs / 4, 5000)),
    );
    this.watchdogTimer.unref();
  }

  private beat(): void {
    this.lastEventAt = Date.now();
  }

  /**
   * Counts every answered `getUpdates` (even an empty one) as a heartbeat. Also closes a gap in
   * telegraf: `stop()` while `launch` still awaits its `deleteWebhook` finds no poll to abort, and
   * the poll starts afterwards; so a polling `getUpdates` (one with an abort signal) made when
   * polling is no longer wanted stops telegraf first, and fails at once as aborted.
   */
  private observeHeartbeats(): void {
    const telegram = this.telegraf.telegram;
    const call = telegram.callApi.bind(telegram);
    const observed: typeof call = async (method, payload, options) => {
      if (method === 'getUpdates' && options?.signal && !this.pollingWanted) this.telegraf.stop('chatgate');
      const result = await call(method, payload, options);
      if (method === 'getUpdates') this.beat();
      return result;
    };
    telegram.callApi = observed;
  }
}
