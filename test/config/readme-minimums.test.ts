import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

interface Node {
  env?: string;
  minLength?: number;
  items?: Node;
  properties?: Record<string, Node>;
}

/** Each env variable whose value (or list item) has a minimum length that matters (a key or token). */
function minimums(node: Node, found: Array<[env: string, min: number]> = []): Array<[string, number]> {
  const min = node.minLength ?? node.items?.minLength;
  if (node.env && min !== undefined && min > 1) found.push([node.env, min]);
  for (const child of Object.values(node.properties ?? {})) minimums(child, found);
  return found;
}

describe("README's configuration table", () => {
  it('states the minimum length of every key and token the schema requires', () => {
    const found = minimums(ConfigSchema as unknown as Node);
    expect(found.map(([env]) => env)).toEqual(
      expect.arrayContaining([
        'CHATGATE_API_KEYS',
        'CHATGATE_ADMIN_KEY',
        'CHATGATE_SECRET_KEY',
        'METRICS_TOKEN',
      ]),
    );
    for (const [env, min] of found) {
      const row = README.split('\n').find((line) => line.startsWith(`| \`${env}\``));
      expect(row, `README row of ${env}`).toContain(`${min} characters or more`);
    }
  });
});
