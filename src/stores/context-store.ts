/** One message of a past exchange, as it goes back into the prompt. */
export interface ContextMessage {
  role: 'user' | 'assistant';
  content: string;
  /** When it was said, ms since the epoch. */
  at: number;
}

/**
 * Conversation context: the last turns of one conversation (`conversationKey`), oldest first.
 * Backends: in-process (lru-cache, `memory/`) and Redis (`redis/`). Both keep at most `maxTurns` turns
 * (a turn = a user message and its reply, so 2 × maxTurns messages), trimmed oldest first, and
 * forget a conversation `ttlMs` after its last write.
 */
export interface ContextStore {
  get(key: string): Promise<ContextMessage[]>;
  /** Appends messages (usually one user message and its reply) and trims to the cap. */
  append(key: string, messages: ContextMessage[]): Promise<void>;
  clear(key: string): Promise<void>;
  /** Conversations held now (for status). */
  size(): Promise<number>;
}
