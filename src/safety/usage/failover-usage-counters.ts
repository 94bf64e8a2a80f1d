import { type FailoverOptions, FailoverStore } from '../../stores/failover/failover-switch.js';
import type {
  ReserveRequest,
  ReserveResult,
  ScopeCounts,
  UsageCounters,
  UsedFigures,
} from './usage-counters.js';

/**
 * The usage counters on Redis with the in-process ones answering while Redis is down, so that
 * events keep flowing. During an outage each instance counts alone (budgets are per instance, and
 * what was counted in Redis is not seen); when Redis returns, its counts apply again and what was
 * counted in memory meanwhile is not copied back (it is still in the persisted daily totals).
 */
export class FailoverUsageCounters extends FailoverStore<UsageCounters> implements UsageCounters {
  constructor(options: FailoverOptions<UsageCounters>) {
    super('usage', options);
  }

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.run((counters) => counters.reserve(request));
  }

  release(id: string): Promise<void> {
    // Both: a reservation taken in memory during an outage must be released even if Redis is back.
    return this.runOnBoth((counters) => counters.release(id));
  }

  add(day: string, scopes: readonly string[], used: UsedFigures): Promise<void> {
    return this.run((counters) => counters.add(day, scopes, used));
  }

  read(day: string, scope: string): Promise<ScopeCounts> {
    return this.run((counters) => counters.read(day, scope));
  }
}
