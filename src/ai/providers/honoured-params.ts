import type { ChatRequest, ProviderKind } from './provider.js';

/**
 * OpenAI request parameters that change how an upstream treats a request but not what chatgate
 * can check: an OpenAI-compatible upstream gets each one as it came, the others honour what they
 * can. Order is the order they are named in `x-chatgate-ignored-params`.
 */
export const PASS_THROUGH_PARAMS = [
  'reasoning_effort',
  'verbosity',
  'metadata',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'service_tier',
] as const satisfies readonly (keyof ChatRequest)[];

export type PassThroughParam = (typeof PASS_THROUGH_PARAMS)[number];

/**
 * What each kind of provider honours of PASS_THROUGH_PARAMS: an OpenAI-compatible upstream gets
 * them all (whether it acts on them is its own business); Ollama maps `reasoning_effort` to `think`
 * and has no field for the rest; the local responder reads none.
 */
const HONOURED: Record<ProviderKind, ReadonlySet<PassThroughParam>> = {
  openai: new Set(PASS_THROUGH_PARAMS),
  ollama: new Set(['reasoning_effort']),
  local: new Set(),
};

/**
 * The PASS_THROUGH_PARAMS set in `options` that a provider of `kind` did not honour, in
 * PASS_THROUGH_PARAMS' order; `[]` when it honoured all it was given.
 * @example ignoredParams('ollama', { verbosity: 'low', reasoning_effort: 'high' }) // ['verbosity']
 */
export function ignoredParams(
  kind: ProviderKind,
  options: Partial<ChatRequest> | undefined,
): PassThroughParam[] {
  if (!options) return [];
  return PASS_THROUGH_PARAMS.filter((param) => options[param] !== undefined && !HONOURED[kind].has(param));
}
