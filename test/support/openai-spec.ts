import { existsSync, readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { OPENAI_SPEC_PATH as SPEC_PATH } from './requirement-help.js';

type Node = Record<string, unknown>;

/**
 * OpenAPI 3.0 `nullable: true` → JSON Schema: `"null"` added to `type` (and to `enum`), or the
 * schema wrapped in `anyOf: [schema, {type: "null"}]` when it has no `type` (shared/specs/README.md).
 */
function denullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(denullable);
  if (typeof node !== 'object' || node === null) return node;
  const out: Node = {};
  for (const [key, value] of Object.entries(node)) out[key] = denullable(value);
  if (out.nullable !== true) {
    delete out.nullable;
    return out;
  }
  delete out.nullable;
  if (typeof out.type === 'string' || Array.isArray(out.type)) {
    out.type = [...new Set([...(Array.isArray(out.type) ? out.type : [out.type]), 'null'])];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

/** The spec parsed into an ajv instance; its schemas compile on first use. */
function specAjv(): Ajv2020 {
  const spec = denullable(parse(readFileSync(SPEC_PATH, 'utf8'))) as Node;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, logger: false });
  addFormats.default(ajv);
  // OpenAI's own format for `created` and other timestamps: whole seconds since the epoch.
  ajv.addFormat('unixtime', {
    type: 'number',
    validate: (value: number) => Number.isInteger(value) && value >= 0,
  });
  ajv.addSchema({ $id: 'openai.json', components: spec.components }, 'openai.json');
  return ajv;
}

// Parsed when a test file imports this module (collection has no timeout), not inside the first
// test that validates: on a loaded 2-core machine the parse took seconds of that test's 15.
// Without the spec file, the first use throws instead (the suites using it need `openai-spec`).
let ajv: Ajv2020 | undefined = existsSync(SPEC_PATH) ? specAjv() : undefined;

/** A validator for one of the spec's `components.schemas`, e.g. `CreateChatCompletionResponse`. */
export function openAISchema(name: string): ValidateFunction {
  ajv ??= specAjv();
  const validate = ajv.getSchema(`openai.json#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name} in the OpenAI spec`);
  return validate;
}

/** Asserts `value` matches the named schema, with ajv's errors in the failure message. */
export function expectOpenAIShape(name: string, value: unknown): void {
  const validate = openAISchema(name);
  if (!validate(value)) {
    throw new Error(
      `${name} mismatch: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}\n${JSON.stringify(value).slice(0, 800)}`,
    );
  }
}
