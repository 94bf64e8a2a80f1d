/**
 * The loopback server and the failure controls shared by the fake LLM servers (fake-ollama.ts,
 * fake-openai.ts). A fake supplies only its protocol: how to answer a request, and how its errors look.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One request the fake received. `body` is the parsed JSON, the raw text if it was not JSON, or undefined. */
export interface RecordedCall {
  method: string;
  /** Path and query, e.g. `/api/chat`. */
  path: string;
  /** Lower-cased header names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  body: unknown;
  /** When it arrived, in ms since epoch. */
  at: number;
  /** Set when the client went away before the answer was complete (an aborted request). */
  closedEarly?: boolean;
}

/** A tool call the fake answers with; each protocol sends it in its own shape. */
export interface FakeToolCall {
  /** The function's name. */
  name: string;
  /** The arguments: an object on Ollama's wire, a JSON string (this, serialized) on OpenAI's. */
  arguments: Record<string, unknown>;
  /** The call id on OpenAI's wire (default `call_fake<n>_<i>`). Ollama sends none. */
  id?: string;
}

/** How the fake behaves. Every field can be changed between calls with `behave`. */
export interface FakeBehaviour {
  /** The answer text, or a function of the parsed request body. Default `'Hello from the fake'`. */
  reply: string | ((body: unknown) => string);
  /**
   * Answer by calling these tools, when the request offers tools (a non-empty `tools`, and
   * `tool_choice` not `none`); otherwise answer with `reply`. The answer then has no text (see
   * `replyWithToolCalls`) and, on OpenAI's wire, `finish_reason` `tool_calls` (Ollama says `stop`).
   * Streaming: Ollama sends each call whole in its own part before the `done` part; OpenAI sends
   * index-numbered pieces (id and name first, then the arguments in fragments).
   */
  toolCalls?: FakeToolCall[];
  /** With `toolCalls`: send the `reply` text too, before the calls. Default false. */
  replyWithToolCalls: boolean;
  /** Reasoning text returned beside the answer (Ollama `thinking`, OpenAI-style `reasoning_content`). */
  thinking?: string;
  /** `stop` (default) or `length` (answer cut by the token limit). */
  finishReason: 'stop' | 'length';
  /** Token counts to report; by default the words of the prompt and the pieces of the answer. */
  usage?: { prompt: number; completion: number };
  /** Model names the server offers; other models answer 404. */
  models: string[];
  /** Length of each embedding vector when the request names no `dimensions`. Default 8. */
  embeddingDimensions: number;
  /** Ignore the request's `dimensions` (as Ollama before it had the field): `embeddingDimensions` always. */
  ignoreDimensions?: boolean;
  /** Wait this long (ms) before answering. */
  latencyMs: number;
  /** Answer with an error `status`, `times` times (omitted: every call), with an optional `Retry-After` (s). */
  fail?: { status: number; times?: number; retryAfter?: number; message?: string };
  /** Answer 200 with a body that is not valid JSON (or, streaming, lines that are not). */
  garbage: boolean;
  /** Read the request and never answer (the connection stays open until `close`). */
  hang: boolean;
  /** Read the request and answer only once this settles (a held upstream the test releases). */
  until?: Promise<unknown>;
  /** Read the request, then destroy the socket without an answer (a connection reset). */
  drop: boolean;
  /** Write the body in pieces of this many bytes (splits lines and UTF-8 characters). */
  chunkBytes?: number;
  /** Pause between written pieces, in ms. Default 0 (one event-loop turn). */
  chunkDelayMs: number;
  /**
   * Streaming: awaited before each part after the first is written (`index` from 1): a test paces
   * the stream by events (release part n once the chat shows part n-1), never by timers.
   */
  paceParts?: (index: number) => Promise<unknown>;
  /** Streaming: destroy the socket after this many stream parts (a failure after the first byte). */
  cutAfterParts?: number;
  /** With `cutAfterParts`: end the body normally instead (an upstream that just stops, no final part). */
  cutCleanly?: boolean;
}

export const DEFAULT_MODELS = ['llama3.2', 'qwen3:0.6b'];

/** A fresh copy of the default behaviour. */
export function defaultBehaviour(): FakeBehaviour {
  return {
    reply: 'Hello from the fake',
    replyWithToolCalls: false,
    finishReason: 'stop',
    models: [...DEFAULT_MODELS],
    embeddingDimensions: 8,
    latencyMs: 0,
    garbage: false,
    hang: false,
    drop: false,
    chunkDelayMs: 0,
  };
}

/** What a protocol answers: a status, headers, and the body as parts written one after another. */
export interface FakeAnswer {
  status: number;
  headers: Record<string, string>;
  parts: string[];
  /** Whether `cutAfterParts` applies (streaming answers only). */
  stream?: boolean;
}

/** A protocol: the normal answer to a call, and the error answer for an injected failure. */
export interface FakeProtocol {
  answer(call: RecordedCall, behaviour: FakeBehaviour): FakeAnswer;
  error(status: number, message: string): FakeAnswer;
}

/** The control surface every fake offers. */
export interface FakeServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  /** Every request received, oldest first (also hung and dropped ones). */
  readonly calls: RecordedCall[];
  /** Change part of the behaviour; the rest stays. A new `fail` restarts its count. */
  behave(patch: Partial<FakeBehaviour>): void;
  /** Back to the default behaviour, and forget the recorded calls. */
  reset(): void;
  /** Stop listening and drop open connections: new calls get ECONNREFUSED until `up()`. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** Stop for good, dropping open (also hung) connections. */
  close(): Promise<void>;
}

/** Starts a fake speaking `protocol` on 127.0.0.1 at a random port. */
export async function startFakeServer(protocol: FakeProtocol): Promise<FakeServer> {
  let behaviour = defaultBehaviour();
  let failuresLeft = Number.POSITIVE_INFINITY;
  const calls: RecordedCall[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call = await record(req);
    calls.push(call);
    const b = behaviour;
    // Timers stop when the client goes away, so a slow answer never outlives its test.
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) call.closedEarly = true;
      gone.abort();
    });
    if (b.drop) return void req.socket.destroy();
    if (b.hang) return;
    if (b.until) await b.until.catch(() => {});
    if (b.latencyMs > 0) await sleep(b.latencyMs, undefined, { signal: gone.signal });
    if (b.fail && failuresLeft > 0) {
      failuresLeft--;
      const answer = protocol.error(b.fail.status, b.fail.message ?? `injected failure ${b.fail.status}`);
      if (b.fail.retryAfter !== undefined) answer.headers['retry-after'] = String(b.fail.retryAfter);
      return write(res, answer, b, gone.signal);
    }
    await write(res, protocol.answer(call, b), b, gone.signal);
  }

  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      dropAll();
    });
    // Let clients in this process see the closed sockets, so their next call connects anew (refused).
    await sleep(10);
  };

  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    behave(patch) {
      behaviour = { ...behaviour, ...patch };
      if (patch.fail !== undefined) failuresLeft = patch.fail.times ?? Number.POSITIVE_INFINITY;
    },
    reset() {
      behaviour = defaultBehaviour();
      failuresLeft = Number.POSITIVE_INFINITY;
      calls.length = 0;
    },
    down: () => (server.listening ? stop() : Promise.resolve()),
    up: () => (server.listening ? Promise.resolve() : listen(port)),
    close: () => (server.listening ? stop() : Promise.resolve(dropAll())),
  };
}

async function record(req: IncomingMessage): Promise<RecordedCall> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  return { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, at: Date.now() };
}

/** Writes the answer part by part, re-sliced into `chunkBytes` pieces when set, honouring `cutAfterParts`. */
async function write(
  res: ServerResponse,
  answer: FakeAnswer,
  b: FakeBehaviour,
  signal: AbortSignal,
): Promise<void> {
  res.writeHead(answer.status, answer.headers);
  const cut = answer.stream ? b.cutAfterParts : undefined;
  const parts = cut === undefined ? answer.parts : answer.parts.slice(0, cut);
  const bytes = Buffer.from(parts.join(''), 'utf8');
  const size = b.chunkBytes;
  const pieces = size ? sliceBytes(bytes, size) : parts.map((p) => Buffer.from(p, 'utf8'));
  for (const [i, piece] of pieces.entries()) {
    if (res.destroyed) return;
    if (i > 0 && answer.stream && b.paceParts) await b.paceParts(i);
    if (res.destroyed) return;
    if (i > 0) await sleep(b.chunkDelayMs, undefined, { signal });
    res.write(piece);
  }
  if (cut !== undefined && !b.cutCleanly) {
    await sleep(b.chunkDelayMs, undefined, { signal });
    return void res.destroy();
  }
  res.end();
}

function sliceBytes(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** The reply text for a request body, per the behaviour. */
export function replyFor(b: FakeBehaviour, body: unknown): string {
  return typeof b.reply === 'function' ? b.reply(body) : b.reply;
}

/**
 * The tool calls to answer `body` with: the behaviour's `toolCalls` when the request offers tools
 * and does not say `tool_choice: 'none'`, else none (`[]`).
 */
export function toolCallsFor(b: FakeBehaviour, body: unknown): FakeToolCall[] {
  const request = body as { tools?: unknown; tool_choice?: unknown } | undefined;
  const offered = Array.isArray(request?.tools) && request.tools.length > 0;
  return b.toolCalls && offered && request?.tool_choice !== 'none' ? b.toolCalls : [];
}

/** Splits text into stream pieces: words with their leading space (`'a b'` → `['a', ' b']`). */
export function pieces(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** Words in the `content` of the request's messages: the fake's stand-in for prompt tokens. */
export function promptWords(body: unknown): number {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages)) return 0;
  return messages.reduce<number>((sum, m) => {
    const content = (m as { content?: unknown }).content;
    return sum + (typeof content === 'string' ? pieces(content).length : 0);
  }, 0);
}

/** Prompt and completion counts: the behaviour's `usage`, else word counts. */
export function usageFor(
  b: FakeBehaviour,
  body: unknown,
  text: string,
): { prompt: number; completion: number } {
  return b.usage ?? { prompt: promptWords(body), completion: pieces(text).length };
}

/**
 * The fake's embedding of `text` (a string, or token ids joined by commas): `dimensions` values in
 * [-0.5, 0.5), multiples of 1/256 (so each is exact as a float32 and survives base64), the same
 * for the same text, different for different texts.
 */
export function embeddingFor(text: string, dimensions: number): number[] {
  const vector: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    // FNV-1a of the text and the position.
    let hash = 0x811c9dc5 ^ i;
    for (const ch of text) hash = Math.imul(hash ^ (ch.codePointAt(0) ?? 0), 0x01000193);
    vector.push(((hash >>> 0) % 256) / 256 - 0.5);
  }
  return vector;
}
