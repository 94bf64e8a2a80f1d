import {
  addUsage,
  type UsageQuery,
  type UsageRecord,
  type UsageStore,
  type UsageTotals,
  usageRowKey,
} from '../usage-store.js';

/** The field of a record that `groupBy` groups on, and its name in a totals row. */
const GROUP_FIELD = { day: 'day', user: 'userId', model: 'model', key: 'keyId' } as const;

/**
 * In-process daily usage totals (tests, and the embedded default without a database). Rows older
 * than `keepDays` are dropped as new days begin, so memory stays bounded by the days kept.
 */
export class MemoryUsageStore implements UsageStore {
  private readonly rows = new Map<string, UsageRecord>();
  private lastDay = '';

  constructor(private readonly keepDays = 400) {}

  add(record: UsageRecord): void {
    if (record.day > this.lastDay) this.dropBefore(record.day);
    const key = usageRowKey(record);
    const row = this.rows.get(key);
    this.rows.set(key, row ? addUsage(row, record) : { ...record });
  }

  async query(query: UsageQuery): Promise<UsageTotals[]> {
    const field = GROUP_FIELD[query.groupBy];
    const groups = new Map<string, UsageTotals>();
    for (const row of this.rows.values()) {
      if (row.day < query.from || row.day > query.to) continue;
      if (query.communityId !== undefined && row.communityId !== query.communityId) continue;
      if (query.userId !== undefined && row.userId !== query.userId) continue;
      if (query.keyId !== undefined && row.keyId !== query.keyId) continue;
      const value = row[field];
      const group = groups.get(value) ?? {
        [field]: value,
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
      };
      group.requests += row.requests;
      group.promptTokens += row.promptTokens;
      group.completionTokens += row.completionTokens;
      if (row.costUsd !== undefined) group.costUsd = (group.costUsd ?? 0) + row.costUsd;
      groups.set(value, group);
    }
    return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  private dropBefore(day: string): void {
    this.lastDay = day;
    const oldest = new Date(Date.parse(`${day}T00:00:00Z`) - this.keepDays * 86_400_000)
      .toISOString()
      .slice(0, 10);
    for (const [key, row] of this.rows) if (row.day < oldest) this.rows.delete(key);
  }
}
