import type { FinishReason, Usage } from './providers/provider.js';

/** Which kind of answer this is: from a remote model, or from the local offline responder. */
export type ChatModeUsed = 'remote' | 'local';

/**
 * `healthy`: the community's first remote link answered; `degraded`: a later remote link answered;
 * `offline`: the local responder answered (no model was used: local mode, or every remote failed).
 */
export type ServiceStatus = 'healthy' | 'degraded' | 'offline';

/** An answer from the AI service, with who produced it and why (when a later link answered). */
export interface AiResult {
  content: string;
  finishReason: FinishReason;
  usage?: Usage;
  mode: ChatModeUsed;
  /** `ollama`, `openai` or `local`. */
  provider: string;
  model: string;
  serviceStatus: ServiceStatus;
  /** Why earlier links did not answer, e.g. `ollama: breaker_open` or `ollama: HTTP 500`. */
  fallbackReason?: string;
  /** From the call to the answer, ms. */
  processingTimeMs: number;
}
