/**
 * The telegraf wiring and one connection attempt under the adapter kit's supervision: `getMe` to
 * learn who we are, then either long polling (`deleteWebhook`, then telegraf's `launch`, whose
 * promise settles only when polling ends) or webhook mode (`setWebhook` with the secret; updates
 * come in through `handleWebhookUpdate`). A 401 (bad token) stops for good; anything else is
 * retried with backoff, at least Telegram's `retry_after`. Health is judged by traffic: every
 * answered `getUpdates` and every Update is a heartbeat, and the kit's watchdog restarts polling
 * that has answered nothing for `watchdogMs` while claiming to be online.
 * Methods: https://core.telegram.org/bots/api#getme, #getupdates, #setwebhook, #deletewebhook
 */
import type { Logger } from 'pino';
import { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import {
  type ConnectionAttempt,
  type ConnectionFailure,
  type ConnectionState,
  SupervisedConnection,
} from '../../src/core/adapter-kit/supervised-connection.js';
import { settlesWithin } from '../../src/core/settles-within.js';
import { describeConnectionFailure, readFailure, redact } from './api-error.js';

/**
 * The Update kinds we ask for; the rest would only be dropped (normalize.ts). `chat_member` (bans,
 * restrictions, admins changing) comes only when listed here:
 * https://core.telegram.org/bots/api#getupdates (`allowed_updates`).
 */
export const ALLOWED_UPDATES = ['message', 'channel_post', 'my_chat_member', 'chat_member'] as const;

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
  /** First reconnect delay, ms; grows ×2 per failure (with jitter) up to `reconnectMaxMs`. */
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
  private hooks?: BotHooks;
  /** Made on the first `start`, when the logger is known; kept across restarts (`lastEventAt`). */
  private connection?: SupervisedConnection;
  private polling?: Promise<void>;
  /** False once polling should end: a poll telegraf starts late (its `launch` was mid-way) is stopped at once. */
  private pollingWanted = false;

  constructor(private readonly options: BotOptions) {
    this.telegraf = new Telegraf(options.token, {
      telegram: { apiRoot: options.apiRoot },
      handlerTimeout: options.handlerTimeoutMs,
    });
    this.observeHeartbeats();
    this.telegraf.use(async (ctx) => {
      this.connection?.trafficSeen();
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

  state(): ConnectionState {
    return this.connection?.state() ?? { status: 'offline' };
  }

  /** Whether webhook updates are taken now: started, and `getMe` has answered once. */
  accepting(): boolean {
    return this.connection?.started === true && this.telegraf.botInfo !== undefined;
  }

  /**
   * Connects once; resolves when online, when that attempt failed (then retried in the background),
   * or after `startTimeoutMs` (telegraf's own request timeout is 500 s; the attempt goes on).
   */
  async start(hooks: BotHooks): Promise<void> {
    this.hooks = hooks;
    this.connection ??= this.supervise(hooks.logger);
    await this.connection.start();
  }

  /** Feeds one webhook Update to telegraf (shaped like an Update: see webhook.ts `isUpdate`). */
  async handleWebhookUpdate(update: unknown): Promise<void> {
    await this.telegraf.handleUpdate(update as Update);
  }

  /** Stops polling (waiting at most `stopTimeoutMs` for the open `getUpdates` to end) and every timer. */
  async stop(): Promise<void> {
    await this.connection?.stop();
  }

  private supervise(logger: Logger): SupervisedConnection {
    const { webhook, watchdogMs, reconnectInitialMs, reconnectMaxMs } = this.options;
    return new SupervisedConnection(
      {
        connect: (attempt) => this.connect(attempt),
        disconnect: () => this.stopPolling(),
        describeFailure: (error) => this.describe(error),
      },
      {
        label: 'telegram',
        logger,
        backoff: { initialMs: reconnectInitialMs, maxMs: reconnectMaxMs },
        startTimeoutMs: this.options.startTimeoutMs,
        stopGraceMs: this.options.stopTimeoutMs,
        // A webhook has no traffic of its own to watch: Telegram posts only when there is news.
        watchdog: { silenceMs: webhook ? 0 : watchdogMs, traffic: 'answer to getUpdates' },
      },
    );
  }

  private async connect(attempt: ConnectionAttempt): Promise<void> {
    const { webhook } = this.options;
    const me = await this.telegraf.telegram.getMe();
    if (!attempt.current) return;
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
    if (!attempt.current) return;
    if (!webhook) this.launchPolling(attempt);
    attempt.online();
    this.connection?.trafficSeen();
    this.hooks?.logger.info({ bot: me.username, mode: webhook ? 'webhook' : 'polling' }, 'telegram: online');
  }

  /** Starts telegraf's long polling; its promise settles when polling ends (stop, or a fatal error). */
  private launchPolling(attempt: ConnectionAttempt): void {
    this.pollingWanted = true;
    const run = this.telegraf.launch({ allowedUpdates: [...ALLOWED_UPDATES] });
    this.polling = run.then(
      () => undefined,
      (error: unknown) => attempt.failed(this.describe(error)),
    );
  }

  /** A failed Bot API call as a connection failure: 401 is final, `retry_after` is honoured. */
  private describe(error: unknown): ConnectionFailure {
    const failure = readFailure(error, this.options.token);
    return {
      message: describeConnectionFailure(failure, originOf(this.options.apiRoot)),
      fatal: failure.code === 401,
      ...(failure.retryAfterSeconds !== undefined && { retryAfterMs: failure.retryAfterSeconds * 1000 }),
    };
  }

  /**
   * Aborts the open poll and waits (at most `stopTimeoutMs`) for telegraf's loop to end: two
   * concurrent `getUpdates` make Telegram answer 409, so a retry waits for this.
   */
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
      if (method === 'getUpdates') this.connection?.trafficSeen();
      return result;
    };
    telegram.callApi = observed;
  }
}
