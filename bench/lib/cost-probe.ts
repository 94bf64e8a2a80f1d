/**
 * Preloaded into a benchmark's child (`node --import tsx --import <this file> …`): answers the
 * parent's `{ cost: id, start: boolean }` IPC messages with the child's own CPU time and heap
 * allocation since the last `start`, so a benchmark can charge each process its own work per request
 * (bench/gateway-cpu.ts). Works in any child with an IPC channel, whatever it runs (chatgate from any
 * checkout, the bare proxy), since it needs nothing from the code it measures.
 *
 * Allocation is counted from V8's GC records (node:v8 GCProfiler): the heap in use before each
 * collection minus what the previous one left, summed, plus the growth since the last collection.
 * It counts every byte allocated on the JS heap, young and old; not Buffers' external memory.
 */
import { GCProfiler } from 'node:v8';

/** What the child answers for a `stop`: totals since the matching `start`. */
export interface CostReading {
  /** CPU time, user + system, µs (process.cpuUsage). */
  cpuUs: number;
  /** Bytes allocated on the JS heap. */
  allocatedBytes: number;
  /** Garbage collections and their total pause, ms. */
  gcs: number;
  gcPauseMs: number;
  /**
   * The young-generation collections (V8's scavenges) among them: how many, their pauses (total
   * and longest, ms), the young bytes they found, and how many of those survived (copied within
   * the young generation or promoted to the old one: new space in use after the collection plus
   * the old space's growth during it). What survives is what a scavenge costs: its pause grows
   * with it, and a gateway's tail latency with the pause.
   */
  scavenges: number;
  scavengePauseMs: number;
  maxScavengePauseMs: number;
  youngBytes: number;
  survivedBytes: number;
  /** The longest pause of any other collection (mark-compact), ms; 0 when none ran. */
  maxMajorPauseMs: number;
}

/** The parent's message. `start: true` begins a window; `false` ends it and answers its reading. */
export interface CostRequest {
  cost: number;
  start: boolean;
}

interface HeapState {
  heapStatistics: { usedHeapSize: number };
  heapSpaceStatistics: { spaceName: string; spaceUsedSize: number }[];
}

interface GcEntry {
  /** `Scavenge`, `MarkSweepCompact`, … (GCProfiler's names). */
  gcType: string;
  /** The collection's pause, µs. */
  cost: number;
  beforeGC: HeapState;
  afterGC: HeapState;
}

/** Bytes in use in the heap spaces named `names` (new_space, old_space, …). */
const inSpaces = (state: HeapState, names: readonly string[]) =>
  state.heapSpaceStatistics.reduce(
    (sum, space) => (names.includes(space.spaceName) ? sum + space.spaceUsedSize : sum),
    0,
  );
const YOUNG = ['new_space', 'new_large_object_space'];
const OLD = ['old_space', 'large_object_space'];

let profiler: GCProfiler | undefined;
let cpuAtStart = process.cpuUsage();
let usedAtStart = 0;

const used = () => process.memoryUsage().heapUsed;

process.on('message', (message: CostRequest) => {
  if (typeof message?.cost !== 'number') return;
  if (message.start) {
    profiler?.stop();
    profiler = new GCProfiler();
    profiler.start();
    usedAtStart = used();
    cpuAtStart = process.cpuUsage();
    process.send?.({ cost: message.cost });
    return;
  }
  const cpu = process.cpuUsage(cpuAtStart);
  const entries = ((profiler?.stop() as { statistics?: GcEntry[] } | undefined)?.statistics ??
    []) as GcEntry[];
  profiler = undefined;
  let allocated = 0;
  let before = usedAtStart;
  let pauseUs = 0;
  const young = { count: 0, pauseUs: 0, maxPauseUs: 0, bytes: 0, survived: 0 };
  let maxMajorPauseUs = 0;
  for (const entry of entries) {
    allocated += Math.max(0, entry.beforeGC.heapStatistics.usedHeapSize - before);
    before = entry.afterGC.heapStatistics.usedHeapSize;
    pauseUs += entry.cost;
    if (entry.gcType !== 'Scavenge') {
      maxMajorPauseUs = Math.max(maxMajorPauseUs, entry.cost);
      continue;
    }
    young.count++;
    young.pauseUs += entry.cost;
    young.maxPauseUs = Math.max(young.maxPauseUs, entry.cost);
    young.bytes += inSpaces(entry.beforeGC, YOUNG);
    const promoted = Math.max(0, inSpaces(entry.afterGC, OLD) - inSpaces(entry.beforeGC, OLD));
    young.survived += inSpaces(entry.afterGC, YOUNG) + promoted;
  }
  allocated += Math.max(0, used() - before);
  const reading: CostReading = {
    cpuUs: cpu.user + cpu.system,
    allocatedBytes: allocated,
    gcs: entries.length,
    gcPauseMs: pauseUs / 1000,
    scavenges: young.count,
    scavengePauseMs: young.pauseUs / 1000,
    maxScavengePauseMs: young.maxPauseUs / 1000,
    youngBytes: young.bytes,
    survivedBytes: young.survived,
    maxMajorPauseMs: maxMajorPauseUs / 1000,
  };
  process.send?.({ cost: message.cost, reading });
});
// Never the reason a child stays alive.
process.channel?.unref();
