import type { ChatDelta, FinishReason, ProviderKind, ToolCall, Usage } from './providers/provider.js';

/** Which kind of answer this is: from a remote model, or from the local offline responder. */
export type ChatModeUsed = 'remote' | 'local';

/**
 * `healthy`: the community's first remote link answered; `degraded`: a later remote link answered;
 * `offline`: the local responder answered (no model was used: local mode, or every remote failed).
 */
export type ServiceStatus = 'healthy' | 'degraded' | 'offline';

/** Who answers, and why a later link does (shared by complete and stream results). */
export interface AiOrigin {
  mode: ChatModeUsed;
  /** `ollama`, `openai` or `local`. */
  provider: ProviderKind;
  model: string;
  serviceStatus: ServiceStatus;
  /** Why earlier links did not answer, e.g. `ollama: breaker_open` or `ollama: HTTP 500`. */
  fallbackReason?: string;
}

/** A streamed answer whose first delta has arrived; `deltas` starts with it. */
export interface AiStream extends AiOrigin {
  deltas: AsyncIterable<ChatDelta>;
}

/** An answer from the AI service, with who produced it and why (when a later link answered). */
export interface AiResult extends AiOrigin {
  content: string;
  /** Calls the model made (OpenAI route only; chat replies never ask for tools). */
  toolCalls?: ToolCall[];
  finishReason: FinishReason;
  usage?: Usage;
  /** From the call to the answer, ms. */
  processingTimeMs: number;
}
