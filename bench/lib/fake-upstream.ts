/**
 * Runs a fake OpenAI-compatible server in a process of its own (spawned by the benchmarks), so
 * that the upstream's work is not charged to the gateway under test. Prints its URL on stdout.
 * Env: FAKE_REPLY, FAKE_LATENCY_MS, FAKE_MODELS (comma-separated).
 */
import { startFakeOpenAI } from '../../test/fakes/fake-openai.js';

const fake = await startFakeOpenAI();
fake.behave({
  reply: process.env.FAKE_REPLY ?? 'The quick brown fox jumps over the lazy dog.',
  latencyMs: Number(process.env.FAKE_LATENCY_MS ?? 0),
  models: (process.env.FAKE_MODELS ?? 'bench-model').split(','),
});
// Calls are recorded for tests; a benchmark would grow that list without bound.
setInterval(() => fake.calls.splice(0), 1000).unref();
process.stdout.write(`${fake.url}\n`);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
