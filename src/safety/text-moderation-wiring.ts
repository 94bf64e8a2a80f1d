import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { InteractionLog } from '../stores/interaction-log.js';
import { BlockedTermGuard } from './blocked-term-guard.js';
import { BlockedTermMatchers } from './blocked-terms.js';
import type { IngestGuard } from './guards.js';
import { LinkFinder } from './links.js';
import { ModerationEndpoint } from './moderation-endpoint.js';
import { PiiMaskingInteractionLog } from './pii-interaction-log.js';
import { TextModeration } from './text-moderation.js';

/** The text-moderation part of the services (see `buildTextModeration`). */
export interface TextModerationParts {
  /** The interaction log to use everywhere: `log` with message text PII-masked on the way in. */
  interactions: InteractionLog;
  /** For the router: refuses events holding a blocked term. */
  guards: readonly IngestGuard[];
  /** For the worker: prompt masking, the moderation endpoint, the reply checks. */
  text: TextModeration;
}

/**
 * Builds blocked terms, links, PII masking and the moderation endpoint from the service config:
 * one compiled-matcher cache shared by the router's guard and the worker's reply check.
 */
export function buildTextModeration(
  config: Config,
  log: InteractionLog,
  logger: Logger,
): TextModerationParts {
  const matchers = new BlockedTermMatchers();
  const { moderationTimeoutMs, moderationApiKey } = config.safety.moderation;
  const endpoint = new ModerationEndpoint({ timeoutMs: moderationTimeoutMs, apiKey: moderationApiKey });
  return {
    interactions: new PiiMaskingInteractionLog(log),
    guards: [new BlockedTermGuard(matchers)],
    text: new TextModeration({ matchers, links: new LinkFinder(), endpoint, logger }),
  };
}
