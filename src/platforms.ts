import { createDiscordAdapter } from '../adapters/discord/index.js';
import type { AdapterHost, PlatformAdapter } from './core/adapter.js';
import { conversationKey } from './core/chat-event.js';
import type { Services } from './services.js';

/**
 * The edge that wires platform adapters to the core: builds each adapter whose credentials are
 * set, registers it for reply delivery, and starts it with a host that feeds the router. Adapters
 * catch their own connection errors; their state shows in `/api/v1/ai/status`.
 */
export async function startPlatforms(services: Services): Promise<PlatformAdapter[]> {
  const { config, metrics } = services;
  const adapters = [
    createDiscordAdapter(config.platforms.discord, {
      onRateLimited: () => metrics.rateLimited.labels('discord').inc(),
    }),
  ].filter((adapter): adapter is PlatformAdapter => adapter !== undefined);

  for (const adapter of adapters) {
    services.delivery.addAdapter(adapter);
    await adapter.start(hostFor(services, adapter));
    services.logger.info(
      { action: 'platform_start', platform: adapter.platform, status: adapter.state().status },
      'platform adapter started',
    );
  }
  return adapters;
}

/** Stops every adapter, each within its own grace period; one failing does not stop the others. */
export async function stopPlatforms(adapters: PlatformAdapter[], services: Services): Promise<void> {
  await Promise.all(
    adapters.map((adapter) =>
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
        const ack = await services.router.ingest(event);
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
