import type { Pipeline } from './pipeline.js';
import { waitFor } from './wait-for.js';

/** An interaction as `GET /api/v1/ai/interactions` lists it (the fields end-to-end tests read). */
export interface ListedInteraction {
  event: { id: string; text: string };
  status: string;
  reason?: string;
}

/**
 * The first interaction of `platform` whose event id `matches`, once it is settled (neither
 * `queued` nor `running`), read through the API as an operator would.
 * @throws when none has settled within 10 s.
 */
export function settledInteraction(
  pipeline: Pipeline,
  platform: string,
  matches: (eventId: string) => boolean,
): Promise<ListedInteraction> {
  return waitFor(
    async () => {
      const response = await pipeline.app.inject({
        method: 'GET',
        url: `/api/v1/ai/interactions?platform=${platform}`,
      });
      const found = (response.json().interactions as ListedInteraction[]).find((row) =>
        matches(row.event.id),
      );
      return found && !['queued', 'running'].includes(found.status) ? found : undefined;
    },
    10_000,
    `a settled ${platform} interaction`,
  );
}
