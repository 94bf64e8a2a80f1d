import { randomUUID } from 'node:crypto';
import { PLATFORM_REGISTRY } from '../adapters/registry.js';
import type { AdapterHost, IngestAck, PlatformAdapter } from './core/adapter.js';
import { type ChatEvent, conversationKey, withoutRaw } from './core/chat-event.js';
import type {
  AnyPlatformDescriptor,
  PlatformPorts,
  PlatformRoute,
  PlatformSocketRoute,
} from './core/platform.js';
import type { Services } from './services.js';
import type { ChannelStore } from './stores/channel-store.js';
import { platformGrantsOf } from './stores/grant-store.js';

/** The platform adapters whose credentials are set, and the routes the platforms mount. */
export interface Platforms {
  adapters: PlatformAdapter[];
  /** Every platform's routes (configured or not: a route may answer 404 `not_configured`). */
  routes: PlatformRoute[];
  /** Every platform's WebSocket routes (the web chat's). */
  sockets: PlatformSocketRoute[];
}

/** No adapter, no route: what a `worker` process holds. */
export const NO_PLATFORMS: Platforms = { adapters: [], routes: [], sockets: [] };

/**
 * The edge that wires platform adapters to the core. For each descriptor (the registry's by
 * default), builds the adapter when its credentials are set, registers it for reply delivery, and
 * collects its routes; `startPlatforms` connects them once the app listens. Adapters catch their
 * own connection errors; their state shows in `/api/v1/ai/status`.
 */
export async function createPlatforms(
  services: Services,
  descriptors: readonly AnyPlatformDescriptor[] = PLATFORM_REGISTRY,
): Promise<Platforms> {
  // Each section was validated against its descriptor's schema at start.
  const sections = services.config.platforms as Record<string, Record<string, unknown>>;
  const adapters: PlatformAdapter[] = [];
  const routes: PlatformRoute[] = [];
  const sockets: PlatformSocketRoute[] = [];
  for (const descriptor of descriptors) {
    const ports = portsFor(services, descriptor.platform);
    const adapter = await descriptor.create(sections[descriptor.platform] ?? {}, ports);
    if (adapter) {
      services.delivery.addAdapter(adapter);
      adapters.push(adapter);
    }
    routes.push(...(descriptor.routes?.(adapter, ports) ?? []));
    sockets.push(...(descriptor.sockets?.(adapter, ports) ?? []));
  }
  return { adapters, routes, sockets };
}

/**
 * Connects every adapter with a host that feeds the router, and (redis queue) starts sending the
 * replies that workers write to the reply queue for its platform.
 */
export async function startPlatforms(platforms: Platforms, services: Services): Promise<void> {
  for (const adapter of platforms.adapters) {
    await adapter.start(hostFor(services, adapter));
    await services.replyQueue?.consumeSends(adapter);
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

function portsFor(services: Services, platform: string): PlatformPorts {
  return {
    logger: services.logger.child({ platform }),
    channels: channelsOf(services.channels, platform),
    rateLimited: () => services.metrics.rateLimited.labels(platform).inc(),
    personalities: Object.keys(services.config.personalities),
    ...(services.grants ? { grants: platformGrantsOf(services.grants, platform) } : {}),
    messageDropped: (reason) => services.metrics.platformMessagesDropped.labels(platform, reason).inc(),
  };
}

function channelsOf(store: ChannelStore, platform: string): PlatformPorts['channels'] {
  return {
    list: () => store.list(platform),
    add: (channel) => store.add(platform, channel),
    remove: (channel) => store.remove(platform, channel),
  };
}

function hostFor(services: Services, adapter: PlatformAdapter): AdapterHost {
  const logger = services.logger.child({ platform: adapter.platform });
  return {
    logger,
    addBotName: (name) => services.router.addBotName(name),
    resetContext: (event) => services.context.clear(conversationKey(event)),
    moderated: async (action) => {
      try {
        await services.platformModeration?.apply(action);
      } catch (error) {
        logger.error(
          { err: error, action: 'platform_moderation', kind: action.kind },
          'moderation not applied',
        );
      }
    },
    recordHandled: async (event, reason) => {
      try {
        return await recordHandled(services, event, reason);
      } catch (error) {
        // A store failure: the adapter still answers its command; the log misses one entry.
        logger.error({ err: error, action: 'record_handled' }, 'handled event not recorded');
        return { status: 'ignored', reason, interactionId: '' };
      }
    },
    ingest: async (event, options = {}) => {
      try {
        const ack = await services.router.ingest(event, { ...options, fromAdapter: true });
        // "typing…" from the moment the interaction is queued (see ReplyDelivery.queued).
        services.delivery.queued(ack, event);
        return ack;
      } catch (error) {
        // The router answers bad events with an ack; this is a bug or a store failure. Never lose
        // the adapter's loop over it.
        logger.error({ err: error, action: 'ingest' }, 'ingest failed');
        return { status: 'rejected', reason: 'internal_error', interactionId: '' };
      }
    },
  };
}

/**
 * Logs an event its adapter answered itself as `ignored` with `reason`, after the router's dedupe
 * (the same `dedupe:<event id>` key, so a redelivered command is `duplicate` either way).
 * @throws when the key store or the interaction log fails.
 */
async function recordHandled(services: Services, event: ChatEvent, reason: string): Promise<IngestAck> {
  const fresh = await services.keys.claim(`dedupe:${event.id}`, services.config.limits.dedupeTtlMs);
  const outcome = fresh ? reason : 'duplicate';
  services.metrics.eventsIgnored.labels(outcome).inc();
  const now = Date.now();
  const interactionId = randomUUID();
  await services.interactions.add({
    id: interactionId,
    event: withoutRaw(event),
    status: 'ignored',
    reason: outcome,
    createdAt: now,
    completedAt: now,
  });
  return { interactionId, status: 'ignored', reason: outcome };
}
