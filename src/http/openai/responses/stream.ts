import type { ServerResponse } from 'node:http';
import type { AiStream } from '../../../ai/ai-result.js';
import {
  type FinishReason,
  newToolCallId,
  type ToolCallDelta,
  type Usage,
} from '../../../ai/providers/provider.js';
import { estimatedUsage, nowSeconds } from '../completion.js';
import type { OpenAIError } from '../errors.js';
import { interrupted, stopped } from '../sse.js';
import type { ParsedResponsesRequest } from './request.js';
import {
  callItem,
  ending,
  itemId,
  messageItem,
  responseObject,
  responseUsage,
  textPart,
} from './response.js';

/** A function call being streamed: its output index, item id and what has come of it. */
interface OpenCall {
  outputIndex: number;
  itemId: string;
  id: string;
  name: string;
  arguments: string;
}

/**
 * Writes an AI stream as the Responses API's semantic events, each `event: <type>` with its JSON
 * (and a `sequence_number` counting from 0): `response.created`, `response.in_progress`; for text
 * `response.output_item.added` (a message), `response.content_part.added`,
 * `response.output_text.delta`…, `response.output_text.done`, `response.content_part.done`,
 * `response.output_item.done`; for each function call `response.output_item.added`,
 * `response.function_call_arguments.delta`…, `.done`, `response.output_item.done`; then
 * `response.completed` (`response.incomplete` when the answer was cut by `max_output_tokens`) with
 * the whole Response and its usage. A failure after the first byte, the stream's time limit and
 * the end of the shutdown's grace end it with `response.failed` (status `failed`, `error` saying
 * why), so no client takes a cut answer for a whole one.
 * @param promptChars the prompt's length in chars, to estimate usage a provider did not report.
 */
export async function writeResponseStream(
  res: ServerResponse,
  stream: AiStream,
  options: { promptChars: number; signal: AbortSignal },
  parsed: ParsedResponsesRequest,
): Promise<void> {
  const id = itemId('resp');
  const createdAt = nowSeconds();
  const response = (state: Parameters<typeof responseObject>[4]) =>
    responseObject(id, createdAt, stream.model, parsed.echo, state);
  let sequence = 0;
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data, sequence_number: sequence++ })}\n\n`);

  const output: unknown[] = [];
  let message: { outputIndex: number; itemId: string; text: string } | undefined;
  const calls = new Map<number, OpenCall>();
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;
  let completionChars = 0;

  const closeMessage = () => {
    if (!message) return;
    const at = { item_id: message.itemId, output_index: message.outputIndex, content_index: 0 };
    send('response.output_text.done', { ...at, text: message.text, logprobs: [] });
    send('response.content_part.done', { ...at, part: textPart(message.text) });
    const item = messageItem(message.itemId, message.text, 'completed');
    send('response.output_item.done', { output_index: message.outputIndex, item });
    output[message.outputIndex] = item;
    message = undefined;
  };
  const text = (delta: string) => {
    if (!message) {
      message = { outputIndex: output.length, itemId: itemId('msg'), text: '' };
      output.push(undefined);
      const at = { item_id: message.itemId, output_index: message.outputIndex, content_index: 0 };
      send('response.output_item.added', {
        output_index: message.outputIndex,
        item: messageItem(message.itemId, '', 'in_progress'),
      });
      send('response.content_part.added', { ...at, part: textPart('') });
    }
    message.text += delta;
    send('response.output_text.delta', {
      item_id: message.itemId,
      output_index: message.outputIndex,
      content_index: 0,
      delta,
      logprobs: [],
    });
  };
  const callPiece = (piece: ToolCallDelta) => {
    let call = calls.get(piece.index);
    if (!call) {
      closeMessage();
      call = {
        outputIndex: output.length,
        itemId: itemId('fc'),
        id: piece.id ?? newToolCallId(),
        name: piece.function?.name ?? '',
        arguments: '',
      };
      output.push(undefined);
      calls.set(piece.index, call);
      send('response.output_item.added', {
        output_index: call.outputIndex,
        item: callItem(call.itemId, asToolCall(call), 'in_progress'),
      });
    }
    // Some servers name the function in a later piece than the first.
    if (!call.name && piece.function?.name) call.name = piece.function.name;
    const fragment = piece.function?.arguments ?? '';
    if (fragment) {
      call.arguments += fragment;
      send('response.function_call_arguments.delta', {
        item_id: call.itemId,
        output_index: call.outputIndex,
        delta: fragment,
      });
    }
  };
  const closeCalls = () => {
    for (const call of calls.values()) {
      send('response.function_call_arguments.done', {
        item_id: call.itemId,
        output_index: call.outputIndex,
        name: call.name,
        arguments: call.arguments,
      });
      const item = callItem(call.itemId, asToolCall(call), 'completed');
      send('response.output_item.done', { output_index: call.outputIndex, item });
      output[call.outputIndex] = item;
    }
  };
  const fail = (error: OpenAIError) => {
    if (res.destroyed || res.writableEnded) return;
    const code = error.status === 429 ? ('rate_limit_exceeded' as const) : ('server_error' as const);
    const message = `${error.message} (${error.code ?? error.type})`;
    const partial = output.filter((item) => item !== undefined);
    send('response.failed', {
      response: response({ status: 'failed', output: partial, error: { code, message } }),
    });
    res.end();
  };

  send('response.created', { response: response({ status: 'in_progress', output: [] }) });
  send('response.in_progress', { response: response({ status: 'in_progress', output: [] }) });
  try {
    for await (const delta of stream.deltas) {
      if (options.signal.aborted) break;
      if (delta.content) {
        completionChars += delta.content.length;
        text(delta.content);
      }
      for (const piece of delta.tool_calls ?? []) callPiece(piece);
      if (delta.usage) usage = delta.usage;
      if (delta.finish_reason) finishReason = delta.finish_reason;
    }
  } catch (error) {
    return fail(options.signal.aborted ? stopped(options.signal) : interrupted(error));
  }
  // The signal fired between deltas: the client is gone, the stream ran out of time, or the
  // shutdown's grace ended.
  if (options.signal.aborted) return fail(stopped(options.signal));
  if (output.length === 0) text('');
  closeMessage();
  closeCalls();
  const end = ending(calls.size > 0 ? 'tool_calls' : finishReason);
  const final = response({
    ...end,
    output,
    usage: responseUsage(usage ?? estimatedUsage(options.promptChars, completionChars)),
  });
  send(end.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: final });
  res.end();
}

const asToolCall = (call: OpenCall) => ({
  id: call.id,
  type: 'function' as const,
  function: { name: call.name, arguments: call.arguments },
});
