/**
 * What the fuzzer sends `POST /v1/embeddings` (and its twin under `/api/v1/ai`): requests the API
 * takes (a served model; `input` as a string, strings or token arrays; `encoding_format`,
 * `dimensions`, `user`) and requests with anything in them (hostile values, 2,049 inputs, empty
 * strings, negative tokens, unknown fields).
 */
import fc from 'fast-check';
import { hostileJson, hostileKey, jsonObject, jsonString, someOptions } from './hostile.js';

const text = fc.string({ minLength: 1, maxLength: 40 }).map(jsonString);

const validInput = fc.oneof(
  text,
  fc.array(text, { minLength: 1, maxLength: 5 }).map((items) => `[${items.join(',')}]`),
  fc
    .array(fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 })
    .map((arrays) => JSON.stringify(arrays)),
);

const VALID_OPTIONS: Record<string, fc.Arbitrary<string>> = {
  encoding_format: fc.constantFrom('"float"', '"base64"'),
  dimensions: fc.integer({ min: 1, max: 3072 }).map(String),
  user: fc.string({ maxLength: 20 }).map(jsonString),
};

const ANY_INPUT = fc.oneof(
  { weight: 3, arbitrary: validInput },
  { weight: 1, arbitrary: fc.constantFrom('""', '[]', '[""]', '[[-1]]', '[[]]', '["a",[1]]') },
  { weight: 1, arbitrary: fc.constant(`[${Array.from({ length: 2049 }, () => '"x"').join(',')}]`) },
  { weight: 1, arbitrary: hostileJson },
);

const valid = fc
  .tuple(fc.constantFrom('"llama3.2"', '"qwen3:0.6b"'), validInput, someOptions(VALID_OPTIONS, false, 3))
  .map(([model, input, rest]) => jsonObject([['model', model], ['input', input], ...rest]));

const any = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('"llama3.2"', '"local"', '"text-embedding-3-small"') },
      { weight: 1, arbitrary: hostileJson },
    ),
    ANY_INPUT,
    someOptions(VALID_OPTIONS, true, 3),
    fc.option(fc.tuple(hostileKey, hostileJson), { freq: 10 }),
  )
  .map(([model, input, rest, extra]) =>
    jsonObject([['model', model], ['input', input], ...rest, ...(extra ? [extra] : [])]),
  );

/** An embeddings request: as the API takes it half the time, anything the other half. */
export const embeddingsRequest: fc.Arbitrary<string> = fc.oneof(valid, any);
