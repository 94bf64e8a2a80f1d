import {
  type ChatDelta,
  type ChatMessage,
  type ChatProvider,
  type ChatRequest,
  type ChatResult,
  type PreparedChat,
  type PreparedEmbedding,
  ProviderError,
  type ProviderHealth,
  sendingPreparedEmbedding,
  type Usage,
} from '../provider.js';
import { refuseUnsupported } from './capabilities.js';
import {
  type Categorized,
  categorizeMessage,
  categorizeStreamEvent,
  isStreamEventCategory,
  type LocalCommandName,
} from './categorize.js';
import { pickTemplate } from './templates.js';

/** The one model the local responder offers, and names in its results. */
export const LOCAL_MODEL = 'local-responder';
/** Longest text `/echo` repeats, in characters (code points). */
export const ECHO_MAX_CHARS = 400;
/** Words per streamed chunk. */
const WORDS_PER_CHUNK = 3;

/** Options of the local responder. */
export interface LocalProviderOptions {
  /** The bot's name, used in `/status` and `/help` answers; "This bot" when absent. */
  botName?: string;
}

/**
 * A rough token count: characters / 4, rounded up (about right for English with BPE tokenizers;
 * good enough for usage reporting, never for limits).
 * @example estimateTokens('hello') // 2
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function lastUserContent(messages: readonly ChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message?.role === 'user') return message.content;
  }
  return '';
}

/**
 * What to answer: the hint's text when it has one; otherwise the last user message, read as a
 * stream event prompt first when a hint came without text (stream events have no text).
 */
function readRequest(request: ChatRequest): { seed: string; categorized: Categorized } {
  const hinted = request.hint?.text.trim() ?? '';
  const event = request.hint?.eventType;
  if (event && isStreamEventCategory(event)) {
    return {
      seed: `${event}:${hinted || lastUserContent(request.messages)}`,
      categorized: { type: 'category', category: event },
    };
  }
  if (hinted) return { seed: hinted, categorized: categorizeMessage(hinted) };
  const prompt = lastUserContent(request.messages).trim();
  const streamEvent = request.hint ? categorizeStreamEvent(prompt) : undefined;
  if (streamEvent) return { seed: prompt, categorized: { type: 'category', category: streamEvent } };
  return { seed: prompt, categorized: categorizeMessage(prompt) };
}

function commandReply(command: LocalCommandName, argument: string, botName: string): string {
  switch (command) {
    case 'status':
      return `${botName} is running in local (offline) mode: the AI service is unavailable or disabled, so replies come from simple built-in templates.`;
    case 'help':
      return `${botName} is in local (offline) mode and can: /status (service state), /help (this list), /echo <text> (repeats your text). Other messages get a short offline reply.`;
    case 'echo': {
      const echoed = Array.from(argument.trim()).slice(0, ECHO_MAX_CHARS).join('').trim();
      return echoed ? `Echo (local mode): ${echoed}` : 'Nothing to echo (local mode). Try /echo hello.';
    }
  }
}

/**
 * The local responder's answer to `request`, without any I/O: a command reply or a template chosen
 * by a hash of the text, so the same message always gets the same answer. Every answer says it is a
 * local/offline one.
 */
export function localReply(request: ChatRequest, options: LocalProviderOptions = {}): string {
  const { seed, categorized } = readRequest(request);
  if (categorized.type === 'command') {
    return commandReply(categorized.command, categorized.argument, options.botName?.trim() || 'This bot');
  }
  return pickTemplate(categorized.category, seed, request.hint?.userName);
}

function usageOf(request: ChatRequest, content: string): Usage {
  const prompt_tokens = request.messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
  const completion_tokens = estimateTokens(content);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ProviderError('the local responder call was aborted', 'aborted', 'local', undefined, {
      cause: signal.reason,
    });
  }
}

/** The local responder's `prepareEmbedding`: it cannot embed, so it refuses before anything is sent. */
function cannotEmbed(): PreparedEmbedding {
  throw new ProviderError('the local responder cannot make embeddings', 'unsupported', 'local');
}

/** `content` in pieces of a few words each, whitespace kept, so the pieces join back to it. */
function chunksOf(content: string): string[] {
  const words = content.match(/\s*\S+\s*/gu) ?? [];
  const chunks: string[] = [];
  for (let index = 0; index < words.length; index += WORDS_PER_CHUNK) {
    chunks.push(words.slice(index, index + WORDS_PER_CHUNK).join(''));
  }
  return chunks;
}

/**
 * The offline responder (kind `local`, endpoint `local`): answers from templates and the `/status`,
 * `/help` and `/echo` commands, with no network. It reads `request.hint` (text and user name) and
 * ignores `model`, `temperature` and the other sampling options. Usage is estimated (see
 * `estimateTokens`). Throws ProviderError code `aborted` when `signal` has fired, and `unsupported`
 * (from `prepare`, `chat` and `stream`, before any answer) for a request it cannot honour: a
 * required tool call or a JSON answer (capabilities.ts), and for every embedding request (it has
 * no vectors to give: a made-up vector would poison the caller's index). Nothing else.
 * @example await createLocalProvider({ botName: 'chatgate' }).chat({ model: 'x', messages: [], hint: { text: '/status' } })
 */
export function createLocalProvider(options: LocalProviderOptions = {}): ChatProvider {
  async function chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    refuseUnsupported(request);
    throwIfAborted(signal);
    const content = localReply(request, options);
    return { content, finish_reason: 'stop', model: LOCAL_MODEL, usage: usageOf(request, content) };
  }
  async function* stream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta> {
    refuseUnsupported(request);
    throwIfAborted(signal);
    const content = localReply(request, options);
    for (const chunk of chunksOf(content)) {
      throwIfAborted(signal);
      yield { content: chunk };
    }
    yield { finish_reason: 'stop', usage: usageOf(request, content) };
  }
  return {
    kind: 'local',
    endpoint: 'local',
    // Nothing to build or send: preparing checks the request can be honoured, and binds it.
    prepare(request: ChatRequest): PreparedChat {
      refuseUnsupported(request);
      return {
        chat: (signal) => chat(request, signal),
        stream: (signal) => stream(request, signal),
      };
    },
    chat,
    stream,
    ...sendingPreparedEmbedding(cannotEmbed),
    async models(signal?: AbortSignal): Promise<string[]> {
      throwIfAborted(signal);
      return [LOCAL_MODEL];
    },
    async health(): Promise<ProviderHealth> {
      return { ok: true, latencyMs: 0, detail: 'local responder (offline templates)' };
    },
  };
}
