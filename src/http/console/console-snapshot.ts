import type { FastifyBaseLogger } from 'fastify';
import type { Services } from '../../services.js';
import type { Interaction } from '../../stores/interaction-log.js';
import { type StatusRouteDeps, statusSnapshot } from '../routes/status.js';
import { interactionWithEventJson } from '../schemas/interaction-json.js';
import { type ConsoleScope, scopeJson } from './console-scope.js';

/** What the console's snapshot reads of the services. */
export type ConsoleSnapshotDeps = StatusRouteDeps & Pick<Services, 'chatModeration' | 'channels'>;

/** Recent interactions in a snapshot (the live tail's first rows; channels and communities come from them too). */
export const SNAPSHOT_INTERACTIONS = 50;

/** The status part of a snapshot, scoped: a client key sees only its own community's human-grace figures. */
export async function scopedStatus(
  services: ConsoleSnapshotDeps,
  scope: ConsoleScope,
  log: FastifyBaseLogger,
) {
  const status = await statusSnapshot(services, log);
  if (scope.kind === 'admin' || !status.human_grace) return status;
  const own = status.human_grace[scope.communityId];
  return { ...status, human_grace: own ? { [scope.communityId]: own } : {} };
}

/**
 * What the console's overview and live tail render from, in one answer: the status (as `GET
 * /api/v1/ai/status`), the caller's scope, the channels each platform was seen in or joined
 * (`channels`: platform → channel ids), each community seen lately with its pause state, and the
 * newest interactions (as the list route, with their events). A client key sees its community only.
 */
export async function consoleSnapshot(
  services: ConsoleSnapshotDeps,
  scope: ConsoleScope,
  log: FastifyBaseLogger,
) {
  const communityId = scope.kind === 'client' ? scope.communityId : undefined;
  const [status, recent] = await Promise.all([
    scopedStatus(services, scope, log),
    services.interactions.list({ communityId, limit: SNAPSHOT_INTERACTIONS }).catch((error: unknown) => {
      log.warn({ err: error }, 'console snapshot: the interaction log could not be read');
      return [] as Interaction[];
    }),
  ]);
  const channels = await platformChannels(services, status.platforms, recent, scope);
  const communityIds = [
    ...new Set([...(communityId ? [communityId] : []), ...recent.map((i) => i.event.communityId)]),
  ];
  const communities = await Promise.all(
    communityIds.map(async (id) => ({
      community_id: id,
      paused: (await services.chatModeration.pauseState(id).catch(() => ({ community: false }))).community,
    })),
  );
  return {
    scope: scopeJson(scope),
    status,
    channels,
    communities,
    interactions: recent.map((interaction) => interactionWithEventJson(interaction)),
  };
}

/** Per platform: the channels joined at run time (admins only) and those seen in `recent`. */
async function platformChannels(
  services: ConsoleSnapshotDeps,
  platforms: readonly { platform: string }[],
  recent: readonly Interaction[],
  scope: ConsoleScope,
): Promise<Record<string, string[]>> {
  const channels: Record<string, Set<string>> = {};
  for (const { platform } of platforms) {
    const joined = scope.kind === 'admin' ? await services.channels.list(platform).catch(() => []) : [];
    channels[platform] = new Set(joined);
  }
  for (const { event } of recent) {
    channels[event.platform] ??= new Set();
    channels[event.platform]?.add(event.channelId);
  }
  return Object.fromEntries(Object.entries(channels).map(([platform, set]) => [platform, [...set]]));
}
