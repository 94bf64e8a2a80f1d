import { type ChatRequest, ProviderError } from '../provider.js';

/**
 * What the local responder cannot honour in `request`, as a sentence, or undefined when it can
 * answer it: it writes template text only, so it can neither make a tool call the caller requires
 * (`tool_choice` `required` or a named function) nor promise JSON (`response_format` `json_object`
 * or `json_schema`). Tools it may leave uncalled (`auto`, `none`) and `text` are fine.
 */
export function localRefusal(
  request: Pick<ChatRequest, 'tool_choice' | 'response_format'>,
): string | undefined {
  const choice = request.tool_choice;
  if (choice !== undefined && choice !== 'auto' && choice !== 'none') {
    const asked = typeof choice === 'string' ? `"${choice}"` : `function "${choice.function.name}"`;
    return `the local responder cannot honour tool_choice ${asked}: it makes no tool calls`;
  }
  const format = request.response_format?.type;
  if (format === 'json_object' || format === 'json_schema') {
    return `the local responder cannot honour response_format "${format}": it answers with template text`;
  }
  return undefined;
}

/**
 * Throws ProviderError `unsupported` (kind `local`, not retryable) when the local responder cannot
 * honour `request` (see `localRefusal`); the AI service then reports the chain as unable to answer
 * instead of passing template text off as the answer asked for.
 */
export function refuseUnsupported(request: ChatRequest): void {
  const refusal = localRefusal(request);
  if (refusal) throw new ProviderError(refusal, 'unsupported', 'local');
}
