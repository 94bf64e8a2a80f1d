/**
 * `node --import tsx --import ./bench/lib/probe-preload.ts src/main.ts`: the real entry point,
 * answering the parent's probes (RSS, heap, event-loop delay; see probe.ts) over its IPC channel.
 * The channel is unref'd so that it never keeps a process alive that would otherwise exit.
 */
import { serveProbe } from './probe.js';

serveProbe();
process.channel?.unref();
