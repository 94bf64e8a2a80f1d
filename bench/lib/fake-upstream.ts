/**
 * Runs a fake OpenAI-compatible server in a process of its own (spawned by the benchmarks), so
 * that the upstream's work is not charged to the gateway under test. Prints its URL on stdout and
 * answers probes (RSS, event-loop delay) over IPC. Env: FAKE_REPLY, FAKE_LATENCY_MS (before the
 * answer), FAKE_CHUNK_DELAY_MS (between stream parts), FAKE_MODELS (comma-separated).
 */
import { startFakeOpenAI } from '../../test/fakes/fake-openai.js';
import { serveProbe } from './probe.js';

const fake = await startFakeOpenAI();
fake.behave({
  reply: process.env.FAKE_REPLY ?? 'The quick brown fox jumps over the lazy dog.',
  latencyMs: Number(process.env.FAKE_LATENCY_MS ?? 0),
  chunkDelayMs: Number(process.env.FAKE_CHUNK_DELAY_MS ?? 0),
  models: (process.env.FAKE_MODELS ?? 'bench-model').split(','),
});
// Calls are recorded for tests; a benchmark would grow that list without bound.
setInterval(() => fake.calls.splice(0), 1000).unref();
serveProbe();
process.stdout.write(`${fake.url}\n`);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
