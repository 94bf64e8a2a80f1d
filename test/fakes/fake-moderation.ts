/**
 * A fake OpenAI-compatible moderation endpoint on loopback: `POST /v1/moderations` with `{ input }`
 * (a string or an array of strings; `model` optional) answers a CreateModerationResponse
 * (`{ id, model, results: [{ flagged, categories, category_scores, category_applied_input_types }] }`,
 * one result per input, every category of OpenAI's spec present). A text is flagged when it holds
 * one of the `flagWords` (case ignored), as `hate`. Errors are OpenAI's
 * `{ error: { message, type, param, code } }`; a body without `input` gets 400. With `apiKey`, calls
 * without `Authorization: Bearer <apiKey>` get 401. Latency, failures, hangs and drops come from
 * behaviour.ts (`behave({ fail: { status: 503 } })`, `behave({ hang: true })`).
 *
 * @example
 * const moderation = await startFakeModeration({ flagWords: ['kill'] });
 * // moderation_url: `${moderation.url}/v1/moderations`
 */
import { type FakeAnswer, type FakeServer, startFakeServer } from './behaviour.js';
import { openAIError } from './fake-openai.js';

/** The categories of CreateModerationResponse (all required by the spec). */
const CATEGORIES = [
  'hate',
  'hate/threatening',
  'harassment',
  'harassment/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

export interface FakeModerationOptions {
  /** Texts holding one of these (case ignored) are flagged, under `harassment`. Default `['hate']`. */
  flagWords?: string[];
  /** When set, every call must carry `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
}

export interface FakeModeration extends FakeServer {
  /** The inputs received, one per text, oldest first. */
  inputs(): string[];
  /**
   * From now on, answer 500 to a request whose input holds one of `words` (case ignored): fails
   * the check of one text (a reply) and not another (the input). `reset()` clears it.
   */
  failOn(words: string[]): void;
}

const json = (status: number, body: unknown): FakeAnswer => ({
  status,
  headers: { 'content-type': 'application/json' },
  parts: [JSON.stringify(body)],
});

let sequence = 0;

/** Starts the fake on 127.0.0.1 at a random port. */
export async function startFakeModeration(options: FakeModerationOptions = {}): Promise<FakeModeration> {
  const words = (options.flagWords ?? ['hate']).map((word) => word.toLowerCase());
  let failWords: string[] = [];
  const server = await startFakeServer({
    error: openAIError,
    answer(call) {
      if (options.apiKey !== undefined && call.headers.authorization !== `Bearer ${options.apiKey}`) {
        return openAIError(401, 'Incorrect API key provided');
      }
      if (call.method !== 'POST' || call.path.split('?')[0] !== '/v1/moderations') {
        return openAIError(404, `Unknown request URL: ${call.method} ${call.path}`);
      }
      const input = (call.body as { input?: unknown } | undefined)?.input;
      const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input : undefined;
      if (!texts || texts.some((text) => typeof text !== 'string')) {
        return openAIError(400, "'input' is a required property");
      }
      if ((texts as string[]).some((text) => failWords.some((word) => text.toLowerCase().includes(word)))) {
        return openAIError(500, 'The server had an error while processing your request.');
      }
      const results = (texts as string[]).map((text) => {
        const flagged = words.some((word) => text.toLowerCase().includes(word));
        const categories = Object.fromEntries(CATEGORIES.map((c) => [c, flagged && c === 'harassment']));
        const scores = Object.fromEntries(
          CATEGORIES.map((c) => [c, flagged && c === 'harassment' ? 0.93 : 0.001]),
        );
        const applied = Object.fromEntries(CATEGORIES.map((c) => [c, ['text']]));
        return { flagged, categories, category_scores: scores, category_applied_input_types: applied };
      });
      return json(200, { id: `modr-fake${++sequence}`, model: 'omni-moderation-latest', results });
    },
  });
  const reset = server.reset.bind(server);
  return Object.assign(server, {
    reset() {
      failWords = [];
      reset();
    },
    failOn(words: string[]) {
      failWords = words.map((word) => word.toLowerCase());
    },
    inputs: () =>
      server.calls.flatMap((call) => {
        const input = (call.body as { input?: unknown } | undefined)?.input;
        return typeof input === 'string' ? [input] : Array.isArray(input) ? (input as string[]) : [];
      }),
  });
}
