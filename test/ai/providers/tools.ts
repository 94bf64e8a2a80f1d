import type { ToolDefinition } from '../../../src/ai/providers/provider.js';

/** A function tool with a description, a JSON schema and `strict`, for the providers' tool tests. */
export const weatherTool: ToolDefinition = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: true,
  },
};
