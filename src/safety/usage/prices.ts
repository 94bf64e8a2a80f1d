import type { SafetyConfig } from '../../config/schema.js';

/** The price table `safety.prices`: USD per million tokens, by model name. */
export type PriceTable = SafetyConfig['prices'];

/**
 * What `promptTokens` and `completionTokens` of `model` cost in USD, from `prices` (USD per
 * million tokens); undefined when the table has no price for the model (matched exactly, then
 * case-insensitively).
 * @example costUsd({ 'gpt-4o-mini': { prompt: 0.15, completion: 0.6 } }, 'gpt-4o-mini', 1000, 500) // 0.00045
 */
export function costUsd(
  prices: PriceTable,
  model: string,
  promptTokens: number,
  completionTokens: number,
): number | undefined {
  const price = priceOf(prices, model);
  if (!price) return undefined;
  return (promptTokens * price.prompt + completionTokens * price.completion) / 1_000_000;
}

function priceOf(prices: PriceTable, model: string): PriceTable[string] | undefined {
  if (Object.hasOwn(prices, model)) return prices[model];
  const lower = model.toLowerCase();
  for (const [name, price] of Object.entries(prices)) if (name.toLowerCase() === lower) return price;
  return undefined;
}

/**
 * Tokens estimated from characters when a provider reports no `usage`: 4 characters a token,
 * rounded up (OpenAI's rule of thumb for English text; other scripts run denser, so budgets built
 * on estimates are approximate).
 */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}
