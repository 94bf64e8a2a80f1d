/**
 * The Telegram adapter: the bot in private chats, groups and channels, on telegraf. Updates come by
 * long polling, or by webhook when `TELEGRAM_WEBHOOK_URL` is set (the HTTP layer mounts `webhook()`).
 * Each Update is normalized (normalize.ts); our commands are answered here (commands.ts) and
 * recorded through `host.recordHandled`; every other event goes to the router through `host.ingest`,
 * a group message with its author's roles there (chat-admins.ts). `chat_member` Updates (bans,
 * restrictions) go to `host.moderated` (chat-member.ts). Replies go out through send.ts.
 * Bot API: https://core.telegram.org/bots/api
 */

import type {
  AdapterHost,
  AdapterState,
  OutgoingReply,
  PlatformAdapter,
  ReplyStream,
} from '../../src/core/adapter.js';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { readFailure } from './api-error.js';
import { TelegramBot } from './bot.js';
import { ChatAdmins } from './chat-admins.js';
import { chatMemberChange } from './chat-member.js';
import { commandAction } from './commands.js';
import type { TelegramConfig } from './config.js';
import { type BotIdentity, membershipChange, normalizeUpdate } from './normalize.js';
import { TelegramSender } from './send.js';
import { DEFAULT_THROTTLE_LIMITS, type ThrottleLimits } from './throttle.js';
import { createWebhookHandler, derivedWebhookSecret, type TelegramWebhookHandler } from './webhook.js';

export type { TelegramConfig } from './config.js';
export type { TelegramWebhookHandler } from './webhook.js';

/** Tuning; every field has a default fit for production. Tests shorten the times. */
export interface TelegramAdapterOptions {
  /** Outbound limits (throttle.ts): 1 message/s per chat, 20/min per group, 30/s overall. */
  limits?: Partial<ThrottleLimits>;
  /** How often "typing…" is re-sent while the worker runs, ms. Default 4000. */
  typingIntervalMs?: number;
  /** Tries per message part on 429/5xx. Default 5. */
  maxSendAttempts?: number;
  /** The longest `retry_after` waited out, ms; longer ones fail the send. Default 60 000. */
  maxRetryAfterMs?: number;
  /** Restart polling silent for this long, ms (more than the 50 s long-poll timeout); 0: off. Default 90 000. */
  watchdogMs?: number;
  /** First reconnect delay, ms, doubling per failure. Default 1000. */
  reconnectInitialMs?: number;
  /** Longest reconnect delay, ms. Default 60 000. */
  reconnectMaxMs?: number;
  /** `start` resolves after this long even while the first connection attempt hangs, ms. Default 10 000. */
  startTimeoutMs?: number;
  /** Longest handling of one Update, ms. Default 30 000. */
  handlerTimeoutMs?: number;
  /** On stop (and a polling restart), how long the open poll and queued replies may take, ms. Default 5000. */
  stopGraceMs?: number;
  /** How long a group's administrators (its moderators' roles) are cached, ms. Default 300 000. */
  adminsTtlMs?: number;
}

/** A `PlatformAdapter` for Telegram, with `webhook()` for webhook mode. */
export class TelegramAdapter implements PlatformAdapter {
  readonly platform = 'telegram' as const;
  private readonly bot: TelegramBot;
  private readonly sender: TelegramSender;
  private readonly webhookHandler?: TelegramWebhookHandler;
  private readonly stopGraceMs: number;
  private readonly secretDerived: boolean;
  private readonly admins: ChatAdmins;
  private identity: BotIdentity = {};
  private host?: AdapterHost;

  constructor(config: TelegramConfig & { botToken: string }, options: TelegramAdapterOptions = {}) {
    const token = config.botToken;
    const secret = config.webhookSecret ?? derivedWebhookSecret(token);
    this.secretDerived = config.webhookSecret === undefined;
    const webhook = config.webhookUrl !== undefined ? { url: config.webhookUrl, secret } : undefined;
    this.bot = new TelegramBot({
      token,
      apiRoot: config.apiRoot,
      ...(webhook ? { webhook } : {}),
      handlerTimeoutMs: options.handlerTimeoutMs ?? 30_000,
      watchdogMs: options.watchdogMs ?? 90_000,
      reconnectInitialMs: options.reconnectInitialMs ?? 1000,
      reconnectMaxMs: options.reconnectMaxMs ?? 60_000,
      stopTimeoutMs: options.stopGraceMs ?? 5000,
      startTimeoutMs: options.startTimeoutMs ?? 10_000,
    });
    this.sender = new TelegramSender(
      this.bot.telegraf.telegram,
      {
        token,
        limits: { ...DEFAULT_THROTTLE_LIMITS, ...options.limits },
        maxAttempts: options.maxSendAttempts ?? 5,
        maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
        typingIntervalMs: options.typingIntervalMs ?? 4000,
      },
      () => this.host?.logger,
    );
    this.stopGraceMs = options.stopGraceMs ?? 5000;
    const telegram = this.bot.telegraf.telegram;
    this.admins = new ChatAdmins({
      fetch: (chatId) => telegram.getChatAdministrators(chatId),
      logger: () => this.host?.logger,
      describe: (error) => readFailure(error, token).description,
      ...(options.adminsTtlMs !== undefined ? { ttlMs: options.adminsTtlMs } : {}),
    });
    if (webhook) {
      this.webhookHandler = createWebhookHandler(
        new URL(webhook.url).pathname,
        secret,
        () => this.bot.accepting(),
        (update) => this.bot.handleWebhookUpdate(update),
      );
    }
  }

  state(): AdapterState {
    return { platform: 'telegram', ...this.bot.state() };
  }

  /** Connects (getMe, then polling or setWebhook); connection errors show in `state()`, never thrown. */
  async start(host: AdapterHost): Promise<void> {
    this.host = host;
    if (this.webhookHandler && this.secretDerived) {
      host.logger.info(
        'telegram: webhook secret derived from the bot token; set TELEGRAM_WEBHOOK_SECRET to choose one',
      );
    }
    await this.bot.start({
      logger: host.logger,
      onUpdate: (update) => this.onUpdate(update),
      onIdentity: (me) => {
        this.identity = { id: me.id, username: me.username };
        host.addBotName(me.username);
      },
    });
  }

  send(reply: OutgoingReply): Promise<void> {
    return this.sender.send(reply.event, reply.text);
  }

  typing(event: ChatEvent): () => void {
    return this.sender.typing(event);
  }

  /** Drafts in a private chat, a message and its edits in a group (stream.ts). */
  openStream(event: ChatEvent): ReplyStream {
    return this.sender.openStream(event);
  }

  /** Stops receiving, then lets command answers and queued replies go out for `stopGraceMs`. */
  async stop(): Promise<void> {
    await this.bot.stop();
    await this.sender.drain(this.stopGraceMs);
  }

  /** The webhook handler when `webhookUrl` is configured (mount it on the HTTP server), else undefined. */
  webhook(): TelegramWebhookHandler | undefined {
    return this.webhookHandler;
  }

  private async onUpdate(update: unknown): Promise<void> {
    const host = this.host;
    if (!host) return;
    const membership = membershipChange(update);
    if (membership) {
      const { change, chatId, chatType, status } = membership;
      const what =
        change === 'added' ? 'added to' : change === 'removed' ? 'removed from' : 'status changed in';
      host.logger.info({ chat: chatId, chatType, status }, `telegram: bot ${what} a ${chatType} chat`);
      return;
    }
    const member = chatMemberChange(update, Date.now());
    if (member) {
      if (member.adminsChanged) this.admins.forget(member.chatId);
      if (member.moderation) await host.moderated(member.moderation);
      return;
    }
    const events = normalizeUpdate(update, { bot: this.identity, receivedAt: Date.now() });
    for (const event of events) await this.dispatch(await this.withRoles(event), host);
  }

  /**
   * A group message with its author's roles there: `broadcaster` for the creator, `moderator` for
   * an administrator (chat-admins.ts). Private chats, channels and bots keep what normalize gave.
   */
  private async withRoles(event: ChatEvent): Promise<ChatEvent> {
    const chatType = event.meta.chatType;
    if (event.type !== 'message' || event.user.isBot || (chatType !== 'group' && chatType !== 'supergroup')) {
      return event;
    }
    const roles = await this.admins.rolesOf(event.channelId, event.user.id);
    if (roles.length === 0) return event;
    return { ...event, user: { ...event.user, roles: [...new Set([...event.user.roles, ...roles])] } };
  }

  private async dispatch(event: ChatEvent, host: AdapterHost): Promise<void> {
    const action = commandAction(event, this.identity.username);
    if (action.kind === 'none' || action.kind === 'ask') {
      await host.ingest(action.kind === 'ask' ? action.event : event);
      return;
    }
    // Answered here, without the router: logged all the same, and once (a redelivered Update is
    // a duplicate, not a second answer).
    const ack = await host.recordHandled(event, 'command');
    if (ack.reason === 'duplicate') return;
    if (action.kind === 'reset') await host.resetContext(event);
    this.answer(event, action.text, host);
  }

  /**
   * Sends a command's answer without holding up the next Updates (`stop` still waits for it);
   * failures are logged. The kit's send errors carry no token.
   */
  private answer(event: ChatEvent, text: string, host: AdapterHost): void {
    this.sender.send(event, text).catch((error: unknown) => {
      const detail = error instanceof Error ? error.message : String(error);
      host.logger.warn({ error: detail }, 'telegram: command answer not delivered');
    });
  }
}

/**
 * The Telegram adapter for `config` (`platforms.telegram`), or undefined when `botToken` is unset
 * (the adapter starts only with credentials).
 * @example
 * const telegram = createTelegramAdapter(config.platforms.telegram);
 * await telegram?.start(host);
 */
export function createTelegramAdapter(
  config: TelegramConfig,
  options: TelegramAdapterOptions = {},
): TelegramAdapter | undefined {
  if (config.botToken === undefined || config.botToken === '') return undefined;
  return new TelegramAdapter({ ...config, botToken: config.botToken }, options);
}
