import { createDiscordAdapter } from '../adapters/discord/index.js';
import { createTelegramAdapter } from '../adapters/telegram/index.js';
import { createTwitchAdapter, type TwitchAdapter } from '../adapters/twitch/index.js';
import type { AdapterHost, PlatformAdapter } from './core/adapter.js';
import { conversationKey } from './core/chat-event.js';
import type { TelegramWebhookHandler } from './http/routes/telegram-webhook.js';
import type { Services } from './services.js';

/** The platform adapters whose credentials are set, and the webhooks they need mounted. */
export interface Platforms {
  adapters: PlatformAdapter[];
  webhooks: TelegramWebhookHandler[];
  /** The Twitch adapter, for the channel join/part routes. */
  twitch?: TwitchAdapter;
}

/**
 * The edge that wires platform adapters to the core. `createPlatforms` builds each adapter whose
 * credentials are set and registers it for reply delivery; the HTTP app mounts their webhooks;
 * `startPlatforms` connects them once the app listens. Adapters catch their own connection
 * errors; their state shows in `/api/v1/ai/status`.
 */
export async function createPlatforms(services: Services): Promise<Platforms> {
  const { config, metrics } = services;
  const telegram = createTelegramAdapter(config.platforms.telegram);
  // Channels joined through the admin API join again after a restart.
  const remembered = config.platforms.twitch.username ? await services.channels.list('twitch') : [];
  const twitchChannels = [...new Set([...config.platforms.twitch.channels, ...remembered])];
  const twitch = createTwitchAdapter({ ...config.platforms.twitch, channels: twitchChannels });
  const adapters = [
    twitch,
    createDiscordAdapter(config.platforms.discord, {
      sharding: config.platforms.discord.shards,
      onRateLimited: () => metrics.rateLimited.labels('discord').inc(),
    }),
    telegram,
  ].filter((adapter): adapter is PlatformAdapter => adapter !== undefined);
  for (const adapter of adapters) services.delivery.addAdapter(adapter);
  const webhook = telegram?.webhook();
  return { adapters, webhooks: webhook ? [webhook] : [], twitch };
}

/**
 * Connects every adapter with a host that feeds the router, and (redis queue) starts sending the
 * replies that workers write to the outbox for its platform.
 */
export async function startPlatforms(platforms: Platforms, services: Services): Promise<void> {
  for (const adapter of platforms.adapters) {
    await adapter.start(hostFor(services, adapter));
    await services.outbox?.consumeSends(adapter);
    services.logger.info(
      { action: 'platform_start', platform: adapter.platform, status: adapter.state().status },
      'platform adapter started',
    );
  }
}

/** Stops every adapter, each within its own grace period; one failing does not stop the others. */
export async function stopPlatforms(platforms: Platforms, services: Services): Promise<void> {
  await Promise.all(
    platforms.adapters.map((adapter) =>
      adapter
        .stop()
        .catch((error: unknown) =>
          services.logger.warn({ err: error, platform: adapter.platform }, 'adapter stop failed'),
        ),
    ),
  );
}

function hostFor(services: Services, adapter: PlatformAdapter): AdapterHost {
  const logger = services.logger.child({ platform: adapter.platform });
  return {
    logger,
    addBotName: (name) => services.router.addBotName(name),
    resetContext: (event) => services.context.clear(conversationKey(event)),
    ingest: async (event) => {
      try {
        const ack = await services.router.ingest(event, { fromAdapter: true });
        return { status: ack.status, reason: ack.reason, interactionId: ack.interactionId };
      } catch (error) {
        // The router answers bad events with an ack; this is a bug or a store failure. Never lose
        // the adapter's loop over it.
        logger.error({ err: error, action: 'ingest' }, 'ingest failed');
        return { status: 'rejected', reason: 'internal_error', interactionId: '' };
      }
    },
  };
}
