/**
 * The supervised connection on a virtual clock, with a scripted driver: status transitions, backoff
 * with jitter and a cap, fatal failures, the traffic watchdog, stale attempts, start and stop.
 * Nothing here waits for real time: the clock moves only when a test moves it, and `flush` lets the
 * promise callbacks that follow run (one macrotask turn; no timers involved).
 */
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AdapterStatus } from '../../../src/core/adapter.js';
import {
  type ConnectionAttempt,
  type ConnectionDriver,
  type ConnectionFailure,
  SupervisedConnection,
  type SupervisedConnectionOptions,
  type WatchdogSettings,
} from '../../../src/core/adapter-kit/supervised-connection.js';
import { ManualClock } from '../../support/manual-clock.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A refused token in these tests; everything else is a passing failure. */
const BAD_TOKEN = 'bad token';

/** A driver whose `connect` does what the test sets in `outcome`; it records every call. */
class ScriptedDriver implements ConnectionDriver {
  readonly attempts: ConnectionAttempt[] = [];
  readonly connectedAt: number[] = [];
  readonly disconnects: ('restart' | 'stop')[] = [];
  /** Default: online at once. */
  outcome: (attempt: ConnectionAttempt) => Promise<void> = async (attempt) => attempt.online();
  disconnectOutcome: () => Promise<void> = async () => {};

  constructor(private readonly clock: ManualClock) {}

  connect(attempt: ConnectionAttempt): Promise<void> {
    this.attempts.push(attempt);
    this.connectedAt.push(this.clock.now());
    return this.outcome(attempt);
  }

  disconnect(ending: 'restart' | 'stop'): Promise<void> {
    this.disconnects.push(ending);
    return this.disconnectOutcome();
  }

  describeFailure(error: unknown): ConnectionFailure {
    const message = error instanceof Error ? error.message : String(error);
    return { message, fatal: message === BAD_TOKEN };
  }

  /** The gaps between attempts, ms: the backoff delays. */
  gaps(): number[] {
    return this.connectedAt.slice(1).map((at, index) => at - (this.connectedAt[index] ?? at));
  }
}

const never = (): Promise<void> => new Promise<void>(() => {});

/** Asserts that `work` waits for the virtual clock: still pending until `ms` have passed, settled then. */
async function settlesAfter(clock: ManualClock, work: Promise<unknown>, ms: number): Promise<void> {
  let settled = false;
  const done = (): void => {
    settled = true;
  };
  void work.then(done, done);
  await flush();
  expect(settled).toBe(false);
  clock.advanceBy(ms);
  await flush();
  expect(settled).toBe(true);
}

interface Setup {
  clock: ManualClock;
  driver: ScriptedDriver;
  connection: SupervisedConnection;
  statuses: AdapterStatus[];
}

let opened: SupervisedConnection[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  // A stop whose disconnect hangs would wait on the virtual clock; the tests that hang it stop themselves.
  for (const connection of opened) if (connection.started) await connection.stop();
  opened = [];
});

function setUp(options: Partial<SupervisedConnectionOptions> = {}, watchdog?: WatchdogSettings): Setup {
  const clock = new ManualClock();
  const driver = new ScriptedDriver(clock);
  const statuses: AdapterStatus[] = [];
  const connection = new SupervisedConnection(driver, {
    label: 'test',
    logger: pino({ level: 'silent' }),
    backoff: { initialMs: 100, maxMs: 2_000 },
    startTimeoutMs: 10_000,
    stopGraceMs: 1_000,
    clock,
    onStatus: (state) => statuses.push(state.status),
    ...(watchdog && { watchdog }),
    ...options,
  });
  opened.push(connection);
  return { clock, driver, connection, statuses };
}

/** Runs `count` failed attempts: each time the retry timer is due, the clock moves to it. */
async function failRepeatedly(setup: Setup, count: number): Promise<number[]> {
  setup.driver.outcome = async () => {
    throw new Error('network down');
  };
  await setup.connection.start();
  for (let index = 1; index < count; index++) {
    expect(setup.clock.advanceToNext()).toBe(true);
    await flush();
  }
  return setup.driver.gaps();
}

describe('SupervisedConnection: status', () => {
  it('reports connecting → online, then reconnecting → online after a lost connection', async () => {
    const { clock, driver, connection, statuses } = setUp();
    await connection.start();
    expect(connection.state()).toEqual({ status: 'online' });
    driver.attempts[0]?.failed({ message: 'socket closed', fatal: false });
    expect(connection.state()).toEqual({ status: 'reconnecting', error: 'socket closed' });
    expect(driver.disconnects).toEqual(['restart']);
    await flush();
    clock.advanceToNext();
    await flush();
    expect(connection.state()).toEqual({ status: 'online' });
    expect(driver.attempts.map((attempt) => attempt.number)).toEqual([0, 1]);
    expect(statuses).toEqual(['connecting', 'online', 'reconnecting', 'online']);
  });

  it('lets the library reconnect by itself: status only, no new attempt', async () => {
    const { clock, driver, connection, statuses } = setUp();
    await connection.start();
    driver.attempts[0]?.reconnecting();
    driver.attempts[0]?.online();
    expect(clock.pending).toBe(0);
    expect(driver.attempts).toHaveLength(1);
    expect(statuses).toEqual(['connecting', 'online', 'reconnecting', 'online']);
  });

  it("keeps the time of the last traffic, also the library's own record", async () => {
    let heartbeatAt: number | undefined;
    const { clock, connection } = setUp({}, { silenceMs: 0, traffic: 'x', heardAt: () => heartbeatAt });
    await connection.start();
    expect(connection.lastEventAt).toBeUndefined();
    connection.trafficSeen();
    const seen = clock.now();
    expect(connection.state().lastEventAt).toBe(seen);
    heartbeatAt = seen + 500;
    expect(connection.lastEventAt).toBe(seen + 500);
  });
});

describe('SupervisedConnection: backoff', () => {
  it('grows the delay between failed attempts up to the cap', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // the jitter's median, for a steady sequence
    const gaps = await failRepeatedly(setUp(), 10);
    expect(gaps).toHaveLength(9);
    const uncapped = gaps.filter((gap) => gap < 2_000);
    expect(uncapped.length).toBeGreaterThanOrEqual(3);
    for (let index = 1; index < uncapped.length; index++) {
      expect(uncapped[index]).toBeGreaterThan(uncapped[index - 1] ?? Number.POSITIVE_INFINITY);
    }
    expect(gaps.slice(uncapped.length)).toEqual(Array(gaps.length - uncapped.length).fill(2_000));
    expect(gaps.at(-1)).toBe(2_000);
  });

  it('jitters: two connections failing alike wait differently, never past the cap', async () => {
    const first = await failRepeatedly(setUp(), 6);
    const second = await failRepeatedly(setUp(), 6);
    expect(first).not.toEqual(second);
    for (const gap of [...first, ...second]) {
      expect(gap).toBeGreaterThanOrEqual(0);
      expect(gap).toBeLessThanOrEqual(2_000);
    }
  });

  it('waits at least as long as the platform asked (retry_after)', async () => {
    const { clock, driver, connection } = setUp();
    driver.outcome = async (attempt) => {
      if (attempt.number === 0)
        attempt.failed({ message: 'Too Many Requests', fatal: false, retryAfterMs: 30_000 });
      else attempt.online();
    };
    await connection.start();
    expect(connection.state()).toMatchObject({ status: 'reconnecting', error: 'Too Many Requests' });
    clock.advanceToNext();
    await flush();
    expect(driver.gaps()).toEqual([30_000]);
    expect(connection.status).toBe('online');
  });

  it('starts again from the first delay once online', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const setup = setUp();
    const gaps = await failRepeatedly(setup, 4);
    setup.driver.outcome = async (attempt) => attempt.online();
    setup.clock.advanceToNext();
    await flush();
    expect(setup.connection.status).toBe('online');
    setup.driver.outcome = async () => {
      throw new Error('network down');
    };
    setup.driver.attempts.at(-1)?.failed({ message: 'dropped', fatal: false });
    await flush();
    setup.clock.advanceToNext();
    await flush();
    expect(setup.driver.gaps().at(-1)).toBe(gaps[0]);
  });
});

describe('SupervisedConnection: fatal failures', () => {
  it('stops retrying on a fatal failure: offline, the reason kept, disconnected', async () => {
    const { clock, driver, connection, statuses } = setUp();
    driver.outcome = async () => {
      throw new Error(BAD_TOKEN);
    };
    await connection.start();
    expect(connection.state()).toEqual({ status: 'offline', error: BAD_TOKEN });
    expect(clock.pending).toBe(0);
    expect(driver.attempts).toHaveLength(1);
    expect(driver.disconnects).toEqual(['stop']);
    expect(statuses).toEqual(['connecting', 'offline']);
  });

  it('gives up when a connection that was online turns out refused', async () => {
    const { clock, driver, connection } = setUp();
    await connection.start();
    driver.attempts[0]?.failed({ message: 'token revoked', fatal: true });
    expect(connection.state()).toEqual({ status: 'offline', error: 'token revoked' });
    clock.advanceBy(60_000);
    await flush();
    expect(driver.attempts).toHaveLength(1);
  });
});

describe('SupervisedConnection: traffic watchdog', () => {
  it('restarts a deaf connection: probed at half time, replaced at the limit', async () => {
    const probes: number[] = [];
    const setup = setUp(
      {},
      { silenceMs: 1_000, traffic: 'lines', probe: () => probes.push(setup.clock.now()) },
    );
    const { clock, driver, connection, statuses } = setup;
    await connection.start();
    const started = clock.now();
    clock.advanceBy(999);
    expect(probes).toEqual([started + 500]);
    expect(driver.attempts).toHaveLength(1);
    clock.advanceBy(1);
    expect(connection.status).toBe('reconnecting');
    expect(driver.disconnects).toEqual(['restart']);
    await flush();
    expect(driver.attempts).toHaveLength(2);
    expect(driver.connectedAt[1]).toBe(started + 1_000); // at once, no backoff for a restart
    expect(statuses).toEqual(['connecting', 'online', 'reconnecting', 'online']);
  });

  it('leaves a quiet connection alone when it answers the probe', async () => {
    const setup = setUp(
      {},
      { silenceMs: 1_000, traffic: 'lines', probe: () => setup.connection.trafficSeen() },
    );
    await setup.connection.start();
    setup.clock.advanceBy(10_000);
    await flush();
    expect(setup.driver.attempts).toHaveLength(1);
    expect(setup.connection.status).toBe('online');
  });

  it('leaves a connection alone while traffic flows, and one that does not claim to be up', async () => {
    let claims = true;
    const setup = setUp({}, { silenceMs: 1_000, traffic: 'lines', claimsConnected: () => claims });
    await setup.connection.start();
    for (let step = 0; step < 20; step++) {
      setup.clock.advanceBy(400);
      setup.connection.trafficSeen();
    }
    claims = false;
    setup.clock.advanceBy(10_000);
    await flush();
    expect(setup.driver.attempts).toHaveLength(1);
  });

  it("counts the library's own record of traffic (heartbeat ACKs)", async () => {
    const setup = setUp({}, { silenceMs: 1_000, traffic: 'lines', heardAt: () => setup.clock.now() - 100 });
    await setup.connection.start();
    setup.clock.advanceBy(10_000);
    await flush();
    expect(setup.driver.attempts).toHaveLength(1);
  });
});

describe('SupervisedConnection: attempts and generations', () => {
  it('ignores callbacks of an attempt that was replaced', async () => {
    const { clock, driver, connection } = setUp();
    await connection.start();
    const old = driver.attempts[0];
    old?.failed({ message: 'dropped', fatal: false });
    await flush();
    driver.outcome = never; // the retry hangs in its connect
    clock.advanceToNext();
    await flush();
    expect(driver.attempts).toHaveLength(2);
    expect(old?.current).toBe(false);
    old?.online();
    old?.failed({ message: 'late', fatal: true });
    old?.reconnecting();
    expect(connection.state()).toEqual({ status: 'reconnecting', error: 'dropped' });
    expect(clock.pending).toBe(0);
    driver.attempts[1]?.online();
    expect(connection.state()).toEqual({ status: 'online' });
  });

  it('ignores a second failure report of the same attempt (one retry, not two)', async () => {
    const { clock, driver, connection } = setUp();
    await connection.start();
    driver.attempts[0]?.failed({ message: 'dropped', fatal: false });
    driver.attempts[0]?.failed({ message: 'dropped again', fatal: false });
    expect(connection.error).toBe('dropped');
    await flush(); // the disconnect's grace timer goes once the disconnect resolved
    expect(clock.pending).toBe(1);
    clock.advanceToNext();
    await flush();
    expect(driver.attempts).toHaveLength(2);
  });
});

describe('SupervisedConnection: start and stop', () => {
  it('start resolves after the start timeout while the first attempt hangs (it goes on)', async () => {
    const { clock, driver, connection } = setUp({ startTimeoutMs: 3_000 });
    driver.outcome = never;
    await settlesAfter(clock, connection.start(), 3_000);
    expect(connection.status).toBe('connecting');
    driver.attempts[0]?.online();
    expect(connection.status).toBe('online');
  });

  it('start never throws, whatever connect does', async () => {
    const { driver, connection } = setUp();
    driver.outcome = () => {
      throw new Error('synchronous throw');
    };
    await expect(connection.start()).resolves.toBeUndefined();
    expect(connection.state()).toMatchObject({ status: 'reconnecting', error: 'synchronous throw' });
  });

  it('stop during connect: start returns, offline, the late outcome ignored, no retry', async () => {
    const { clock, driver, connection, statuses } = setUp();
    driver.outcome = never;
    const starting = connection.start();
    await flush();
    await connection.stop();
    await starting;
    expect(driver.disconnects).toEqual(['stop']);
    driver.attempts[0]?.online();
    driver.attempts[0]?.failed({ message: 'late', fatal: false });
    expect(connection.state()).toEqual({ status: 'offline' });
    expect(clock.pending).toBe(0);
    expect(statuses).toEqual(['connecting', 'offline']);
  });

  it('stop cancels a pending retry and the watchdog', async () => {
    const { clock, driver, connection } = setUp({}, { silenceMs: 1_000, traffic: 'lines' });
    await connection.start();
    driver.attempts[0]?.failed({ message: 'dropped', fatal: false });
    await connection.stop();
    expect(clock.pending).toBe(0);
    clock.advanceBy(60_000);
    await flush();
    expect(driver.attempts).toHaveLength(1);
    expect(connection.status).toBe('offline');
  });

  it('stop waits at most the grace for a disconnect that hangs, and is idempotent', async () => {
    const { clock, driver, connection, statuses } = setUp({ stopGraceMs: 2_000 });
    await connection.start();
    driver.disconnectOutcome = never;
    await settlesAfter(clock, connection.stop(), 2_000);
    expect(connection.status).toBe('offline');
    driver.disconnectOutcome = async () => {};
    await connection.stop();
    expect(statuses).toEqual(['connecting', 'online', 'offline']);
  });

  it('starts again after a stop, from the first attempt', async () => {
    const { driver, connection } = setUp();
    await connection.start();
    await connection.stop();
    await connection.start();
    expect(driver.attempts.map((attempt) => attempt.number)).toEqual([0, 0]);
    expect(connection.status).toBe('online');
  });
});
