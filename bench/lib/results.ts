import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../results/', import.meta.url));

/**
 * Writes `bench/results/<name>.json`: the figures with the machine they were measured on (results
 * are comparable only within one file: the baselines were measured in the same run).
 */
export function writeResults(name: string, figures: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  const machine = {
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    platform: os.platform(),
  };
  const file = `${dir}${name}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ name, at: new Date().toISOString(), machine, ...figures }, null, 2)}\n`,
  );
  console.log(`results: bench/results/${name}.json`);
}
