/**
 * What the fuzzer sends `POST /v1/responses` (and its twin under `/api/v1/ai`): requests the API
 * takes (a served model, `input` as a string or items, function tools, the options it maps), and
 * requests with anything in them (hostile values, built-in tools, `previous_response_id`, unknown
 * fields, tool parameters thousands of levels deep).
 */
import fc from 'fast-check';
import { hostileJson, hostileKey, jsonObject, jsonString, nested, someOptions } from './hostile.js';

const text = fc.string({ maxLength: 40 }).map(jsonString);

/** `input`: a string, or message items (text parts too), function calls and their outputs. */
const validInput = fc.oneof(
  text,
  fc
    .array(
      fc.oneof(
        fc
          .tuple(fc.constantFrom('user', 'assistant', 'system', 'developer'), text)
          .map(([role, content]) => `{"role":"${role}","content":${content}}`),
        text.map((content) => `{"role":"user","content":[{"type":"input_text","text":${content}}]}`),
        fc.constant('{"type":"function_call","call_id":"call_1","name":"lookup","arguments":"{}"}'),
        fc.constant('{"type":"function_call_output","call_id":"call_1","output":"42"}'),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((items) => `[${items.join(',')}]`),
);

/** A function tool in the Responses shape (flat: `name` and `parameters` on the tool). */
const functionTool = (deep: boolean) =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.constant('{"type":"object","properties":{"q":{"type":"string"}}}') },
      ...(deep
        ? [
            {
              weight: 1,
              arbitrary: fc.integer({ min: 10, max: 10_000 }).map((depth) => nested(depth, 'object')),
            },
          ]
        : []),
    )
    .map((parameters) => `{"type":"function","name":"lookup","parameters":${parameters}}`);

const VALID_OPTIONS: Record<string, fc.Arbitrary<string>> = {
  instructions: text,
  stream: fc.boolean().map(String),
  temperature: fc.double({ min: 0, max: 2, noNaN: true }).map(String),
  top_p: fc.double({ min: 0, max: 1, noNaN: true }).map(String),
  max_output_tokens: fc.integer({ min: 16, max: 4096 }).map(String),
  tools: fc.array(functionTool(false), { minLength: 1, maxLength: 2 }).map((tools) => `[${tools.join(',')}]`),
  tool_choice: fc.constantFrom('"auto"', '"none"', '"required"', '{"type":"function","name":"lookup"}'),
  text: fc.constantFrom('{"format":{"type":"text"}}', '{"format":{"type":"json_object"}}'),
  reasoning: fc.constantFrom('{"effort":"low"}', '{"effort":"high"}'),
  metadata: fc.constant('{"a":"b"}'),
  user: text,
  store: fc.constant('false'),
};

const ANY_OPTIONS: Record<string, fc.Arbitrary<string>> = {
  ...VALID_OPTIONS,
  tools: fc
    .array(
      fc.oneof(functionTool(true), fc.constantFrom('{"type":"web_search"}', '{"type":"file_search"}', '{}')),
      { maxLength: 3 },
    )
    .map((tools) => `[${tools.join(',')}]`),
  previous_response_id: fc.constant('"resp_123"'),
  store: fc.boolean().map(String),
  max_output_tokens: fc.integer({ min: -5, max: 100_000 }).map(String),
  temperature: fc.double({ min: -1, max: 3, noNaN: true }).map(String),
};

const valid = fc
  .tuple(fc.constantFrom('"llama3.2"', '"qwen3:0.6b"'), validInput, someOptions(VALID_OPTIONS, false))
  .map(([model, input, rest]) => jsonObject([['model', model], ['input', input], ...rest]));

const any = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('"llama3.2"', '"local"', '"gpt-4o"') },
      { weight: 1, arbitrary: hostileJson },
    ),
    fc.oneof({ weight: 3, arbitrary: validInput }, { weight: 1, arbitrary: hostileJson }),
    someOptions(ANY_OPTIONS, true),
    fc.option(fc.tuple(hostileKey, hostileJson), { freq: 10 }),
  )
  .map(([model, input, rest, extra]) =>
    jsonObject([['model', model], ['input', input], ...rest, ...(extra ? [extra] : [])]),
  );

/** A Responses API request: as the API takes it half the time, anything the other half. */
export const responsesRequest: fc.Arbitrary<string> = fc.oneof(valid, any);
