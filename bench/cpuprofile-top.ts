/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. `BENCH_PROFILE_DIR` of
 * gateway-ab.ts): the top functions by self and by inclusive time, and self time by package or
 * source file, as % of busy time (samples in module loading and idle samples left out).
 * Run: `npx tsx bench/cpuprofile-top.ts <file.cpuprofile> [rows, default 25]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpuprofile-top.ts <file.cpuprofile> [rows]');
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const name = ({ callFrame: { functionName, url, lineNumber } }: ProfileNode) =>
  `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}:${lineNumber + 1}`;
const owner = ({ callFrame: { functionName, url } }: ProfileNode) =>
  url.match(/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1] ??
  url.match(/\/((src|bench|test)\/.*)$/)?.[1] ??
  (url.startsWith('node:') ? 'node internals' : url || functionName);
const stackOf = (id: number) => {
  const stack: ProfileNode[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const node = byId.get(at);
    if (node) stack.push(node);
  }
  return stack;
};
// Time (µs) per sampled node.
const timeOf = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) {
  timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const byOwner = new Map<string, number>();
const add = (map: Map<string, number>, key: string, time: number) => map.set(key, (map.get(key) ?? 0) + time);
let busy = 0;
for (const [id, time] of timeOf) {
  const stack = stackOf(id);
  const [leaf] = stack;
  if (!leaf || leaf.callFrame.functionName === '(idle)') continue;
  // Start-up (module loading, tsx compiling) is not per-request work.
  if (stack.some((node) => /loader|run_main|module_job/.test(node.callFrame.url))) continue;
  busy += time;
  add(self, name(leaf), time);
  add(byOwner, owner(leaf), time);
  for (const key of new Set(stack.map(name))) add(inclusive, key, time);
}
const print = (title: string, map: Map<string, number>) => {
  console.log(`== ${title} (% of ${(busy / 1000).toFixed(0)} ms busy)`);
  for (const [key, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${((100 * time) / busy).toFixed(1).padStart(5)}%  ${key}`);
  }
};
print('self', self);
print('inclusive', inclusive);
print('self by package or file', byOwner);
