import type { ChannelStore } from '../channel-store.js';
import type { SqlQueryable } from './sql-client.js';
import { refuseNulInSqlText } from './sql-text.js';

/** ChannelStore on the `platform_channels` table (migration 002). Throws StoreUnavailableError when the database is down, ValidationError for a NUL in a name. */
export class SqlChannelStore implements ChannelStore {
  constructor(private readonly client: SqlQueryable) {}

  async list(platform: string): Promise<string[]> {
    refuseNulInSqlText({ platform });
    const { rows } = await this.client.query<{ channel: string }>(
      'SELECT channel FROM platform_channels WHERE platform = $1 ORDER BY added_at, channel',
      [platform],
    );
    return rows.map((row) => row.channel);
  }

  async add(platform: string, channel: string): Promise<void> {
    refuseNulInSqlText({ platform, channel });
    await this.client.query(
      'INSERT INTO platform_channels (platform, channel) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [platform, channel],
    );
  }

  async remove(platform: string, channel: string): Promise<void> {
    refuseNulInSqlText({ platform, channel });
    await this.client.query('DELETE FROM platform_channels WHERE platform = $1 AND channel = $2', [
      platform,
      channel,
    ]);
  }
}
