/**
 * What a test suite needs from the machine (Redis, PostgreSQL, the `redis-server` binary, OpenAI's
 * spec beside the project), and what happens when it is missing: with `CI` set the suite fails with
 * a message that names the missing piece and how to provide it; without `CI` it is skipped with that
 * message in its name (and one warning line), so that a laptop without Redis can still run the rest.
 *
 * The global setup (`test/support/global-setup.ts`) checks every requirement once per run and hands
 * the results to the test files through vitest's `provide`/`inject`, so no file probes on its own.
 *
 * @example
 * describeNeeding(['redis'], 'RedisKeyStore', () => { ... });
 * itNeeding(['postgres', 'redis'], 'survives a restart on PostgreSQL and Redis', async () => { ... });
 */
import { describe, inject, it, type TestFunction } from 'vitest';
import { type Requirement, requirementHelp } from './requirement-help.js';

export { type Requirement, TEST_DATABASE_URL, TEST_REDIS_URL } from './requirement-help.js';

/** True when the run is a CI run (`CI` set to anything but `false`/`0`/empty): nothing may skip. */
const isCi = ((value) => value !== undefined && !['', '0', 'false'].includes(value))(process.env.CI);

/** The requirements of `needs` that this machine lacks, each with its help text. */
function missing(needs: readonly Requirement[]): string[] {
  const available = inject('requirements');
  return needs.filter((need) => !available[need]).map(requirementHelp);
}

/**
 * `describe(name, body)` when every requirement in `needs` is met. Otherwise, under CI, a suite
 * whose one test fails with the reasons; elsewhere a skipped suite named with the reasons.
 */
export function describeNeeding(needs: readonly Requirement[], name: string, body: () => void): void {
  const reasons = missing(needs);
  if (reasons.length === 0) return void describe(name, body);
  const why = reasons.join('; ');
  if (isCi) {
    describe(name, () => {
      it(`needs ${needs.join(' and ')}`, () => {
        throw new Error(`CI=true and a requirement is missing: ${why}`);
      });
    });
    return;
  }
  console.warn(`[${name}] skipped: ${why}`);
  describe.skip(`${name} (skipped: ${why})`, body);
}

/**
 * `it(name, test, timeoutMs)` when every requirement in `needs` is met; otherwise as
 * `describeNeeding` (a failing test under CI, a skipped one elsewhere).
 */
export function itNeeding(
  needs: readonly Requirement[],
  name: string,
  test: TestFunction,
  timeoutMs?: number,
): void {
  const reasons = missing(needs);
  if (reasons.length === 0) return void it(name, test, timeoutMs);
  const why = reasons.join('; ');
  if (isCi) {
    it(name, () => {
      throw new Error(`CI=true and a requirement is missing: ${why}`);
    });
    return;
  }
  console.warn(`[${name}] skipped: ${why}`);
  it.skip(`${name} (skipped: ${why})`, test, timeoutMs);
}
