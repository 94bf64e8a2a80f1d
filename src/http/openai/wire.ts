import type { ServerResponse } from 'node:http';
import type { AiResult, AiStream } from '../../ai/ai-result.js';
import type { ParsedChatRequest } from './chat-request.js';

/**
 * One OpenAI API that runs as a chat request on the provider chain (chat completions, the
 * Responses API): how its body is read, and how an answer is written in its terms. The route does
 * the rest (community, model, auth, limits, drain) the same for each.
 */
export interface Wire<P extends ParsedChatRequest> {
  /**
   * Reads and checks a request body.
   * @throws OpenAIError 400 naming the field at fault.
   */
  parse(body: unknown): P;
  /** The JSON answer of a finished call; `promptChars` estimates usage a provider did not report. */
  body(result: AiResult, promptChars: number, parsed: P): unknown;
  /** Writes a started stream's events to `res` and ends it, with an error event on a failure. */
  stream(
    res: ServerResponse,
    stream: AiStream,
    options: { includeUsage: boolean; promptChars: number; signal: AbortSignal },
    parsed: P,
  ): Promise<void>;
}
