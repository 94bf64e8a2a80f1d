import type { ServerResponse } from 'node:http';
import type { AiStream } from '../../ai/ai-result.js';
import type { FinishReason, Usage } from '../../ai/providers/provider.js';
import { ChunkBuilder, estimatedUsage } from './completion.js';
import { OpenAIError } from './errors.js';
import { cutByShutdown } from './shutdown.js';

/** The error a stream that failed after its first byte ends with (an OpenAIError stays as it is). */
export const interrupted = (error: unknown) =>
  error instanceof OpenAIError
    ? error
    : new OpenAIError(
        502,
        'the provider failed while streaming; the answer is incomplete',
        'server_error',
        null,
        'stream_interrupted',
      );

const timedOut = () =>
  new OpenAIError(
    504,
    'the stream ran out of time (STREAM_TIMEOUT_MS); the answer is incomplete',
    'server_error',
    null,
    'stream_timeout',
  );

/** Why `signal` stopped the stream: the shutdown's grace ended, else the stream ran out of time. */
export const stopped = (signal: AbortSignal) => cutByShutdown(signal) ?? timedOut();

/** Ends the stream with an error event and no `[DONE]`; nothing to do when the client is gone. */
function endWithError(res: ServerResponse, error: OpenAIError): void {
  if (res.destroyed || res.writableEnded) return;
  res.end(`data: ${JSON.stringify(error.body())}\n\n`);
}

/** Headers of every stream, plus the caller's (provider, fallback). */
export function sseHeaders(extra: Record<string, string>): Record<string, string> {
  return {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    // Tell proxies such as nginx not to buffer the stream.
    'x-accel-buffering': 'no',
    ...extra,
  };
}

/**
 * Writes an AI stream as OpenAI's server-sent events: a first chunk with `role: "assistant"`, one
 * chunk per delta as it arrives, exactly one chunk with a `finish_reason`, with `includeUsage` a
 * last chunk with `choices: []` and `usage`, then `data: [DONE]`. A failure after the first byte
 * ends the stream with a `data: {"error": …}` event and no `[DONE]`, so no client mistakes a cut
 * answer for a whole one; so does the end of the shutdown's grace (`code: "shutting_down"`).
 * @param promptChars the prompt's length in chars, to estimate usage a provider did not report.
 */
export async function writeStream(
  res: ServerResponse,
  stream: AiStream,
  options: { includeUsage: boolean; promptChars: number; signal: AbortSignal },
): Promise<void> {
  const chunks = new ChunkBuilder(stream.model, options.includeUsage);
  const send = (event: string) => res.write(event);
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;
  let completionChars = 0;
  let sawToolCalls = false;
  send(chunks.delta({ role: 'assistant', content: '' }));
  try {
    for await (const delta of stream.deltas) {
      if (options.signal.aborted) break;
      if (delta.content) {
        completionChars += delta.content.length;
        send(chunks.delta({ content: delta.content }));
      }
      if (delta.tool_calls?.length) {
        sawToolCalls = true;
        send(chunks.delta({ tool_calls: delta.tool_calls }));
      }
      if (delta.usage) usage = delta.usage;
      if (delta.finish_reason) finishReason = delta.finish_reason;
    }
  } catch (error) {
    return endWithError(res, options.signal.aborted ? stopped(options.signal) : interrupted(error));
  }
  // The signal fired between deltas: the client is gone, the stream ran out of time, or the
  // shutdown's grace ended.
  if (options.signal.aborted) return endWithError(res, stopped(options.signal));
  send(chunks.delta({}, sawToolCalls ? 'tool_calls' : (finishReason ?? 'stop')));
  if (options.includeUsage) {
    send(chunks.usage(usage ?? estimatedUsage(options.promptChars, completionChars)));
  }
  res.end('data: [DONE]\n\n');
}
