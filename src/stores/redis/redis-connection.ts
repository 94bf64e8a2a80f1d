import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';

/** Whether Redis answers: `up` once the connection is ready, `down` while it is not. */
export type RedisStatus = 'up' | 'down';

/** What `RedisHealth` says, for `/health/ready` and `/api/v1/ai/status`. */
export interface RedisHealthSnapshot {
  status: RedisStatus;
  /** When `status` last changed (or the connection was created), ms since the epoch. */
  since: number;
  /** The last connection or command error, credentials removed; absent before the first one. */
  lastError?: string;
  /** The server, without credentials (`redis://host:port/db`). */
  target: string;
}

/** Events of `RedisHealth`: `change` with the new snapshot, once per status change. */
interface RedisHealthEvents {
  change: [RedisHealthSnapshot];
}

/**
 * Follows one ioredis client and says whether Redis is usable. Up on the client's `ready`, down on
 * `close`/`end`, and down as well when a caller reports a failed command on a live connection (a
 * hung or overloaded server): then a `PING` every `probeIntervalMs` brings it back up. Emits
 * `change` once per status change, never per command.
 */
export class RedisHealth extends EventEmitter<RedisHealthEvents> {
  private current: RedisStatus = 'down';
  private changedAt = Date.now();
  private error: string | undefined;
  private probe: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;

  constructor(
    private readonly client: Redis,
    private readonly options: { target: string; probeIntervalMs: number; secrets: string[] },
  ) {
    super();
    client.on('ready', () => this.set('up'));
    client.on('close', () => {
      // A clean close (the server went away) comes without an `error`: say so all the same.
      if (this.current === 'up') this.error = 'connection to Redis closed';
      this.set('down');
    });
    client.on('end', () => this.set('down'));
    // ioredis reports connection errors here; without a listener it would print them itself.
    client.on('error', (error: Error) => {
      this.error = this.redact(error.message);
    });
  }

  /** `up` or `down`. */
  get status(): RedisStatus {
    return this.current;
  }

  /** When the status last changed, ms since the epoch. */
  get since(): number {
    return this.changedAt;
  }

  /** The last error message, credentials removed. */
  get lastError(): string | undefined {
    return this.error;
  }

  snapshot(): RedisHealthSnapshot {
    const snapshot: RedisHealthSnapshot = {
      status: this.current,
      since: this.changedAt,
      target: this.options.target,
    };
    if (this.error !== undefined) snapshot.lastError = this.error;
    return snapshot;
  }

  /**
   * A command failed. Reply errors (`OOM`, `WRONGTYPE`...) come from a live server and change
   * nothing; anything else (a timeout, a dropped connection) marks Redis down until the connection
   * is ready again or a probe `PING` answers.
   */
  reportFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.error = this.redact(message);
    if (isReplyError(error) || this.closed) return;
    this.set('down');
    if (this.client.status === 'ready') this.startProbe();
  }

  /** Resolves true once Redis is up, false after `timeoutMs` without it. */
  waitUntilUp(timeoutMs: number): Promise<boolean> {
    if (this.current === 'up') return Promise.resolve(true);
    return new Promise((resolve) => {
      const onChange = (snapshot: RedisHealthSnapshot): void => {
        if (snapshot.status !== 'up') return;
        clearTimeout(timer);
        this.off('change', onChange);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.off('change', onChange);
        resolve(false);
      }, timeoutMs);
      this.on('change', onChange);
    });
  }

  /** Stops probing and following the client (called by `RedisConnection.close`). */
  dispose(): void {
    this.closed = true;
    this.stopProbe();
    this.set('down');
    this.removeAllListeners();
  }

  private set(status: RedisStatus): void {
    if (status === 'up') this.stopProbe();
    if (status === this.current) return;
    this.current = status;
    this.changedAt = Date.now();
    this.emit('change', this.snapshot());
  }

  private startProbe(): void {
    if (this.probe !== undefined) return;
    this.probe = setInterval(() => {
      if (this.probing || this.client.status !== 'ready') return;
      this.probing = true;
      this.client
        .ping()
        .then(
          () => this.set('up'),
          (error: unknown) => {
            this.error = this.redact(error instanceof Error ? error.message : String(error));
          },
        )
        .finally(() => {
          this.probing = false;
        });
    }, this.options.probeIntervalMs);
    this.probe.unref();
  }

  private stopProbe(): void {
    if (this.probe === undefined) return;
    clearInterval(this.probe);
    this.probe = undefined;
  }

  private redact(message: string): string {
    let clean = message.replace(/(\w+:\/\/)[^@/\s]*@/g, '$1[redacted]@');
    for (const secret of this.options.secrets) clean = clean.split(secret).join('[redacted]');
    return clean;
  }
}

/** True for an error Redis itself answered (`-ERR ...`), as opposed to a transport failure. */
export function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/** Settings of `createRedisConnection`; every duration in ms. */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` (TLS), as in `REDIS_URL`. */
  url: string;
  /** Gives up on one connection attempt after this long (default 1000). */
  connectTimeoutMs?: number;
  /** Rejects a command without a reply after this long (default 1000). */
  commandTimeoutMs?: number;
  /**
   * Reconnect attempts a command in flight survives before it is rejected (default 0: it fails as
   * soon as the connection drops, and the failover stores answer from memory).
   */
  maxRetriesPerRequest?: number;
  /** Reconnect backoff: 50 ms doubling up to this cap, plus jitter, forever (default 2000). */
  maxBackoffMs?: number;
  /** How often a live but failing connection is probed with `PING` (default 1000). */
  probeIntervalMs?: number;
  /** `CLIENT SETNAME` (default `chatgate`). */
  connectionName?: string;
}

/** One ioredis client with its health; `close()` ends both. */
export interface RedisConnection {
  client: Redis;
  health: RedisHealth;
  /** Quits the client (best effort: a dead server does not make this wait) and stops probing. */
  close(): Promise<void>;
}

/**
 * Builds the ioredis client for `REDIS_URL` so that it fails fast while Redis is down: no offline
 * queue (a command sent while disconnected rejects at once), short connect and command timeouts,
 * in-flight commands rejected when the connection drops and never resent, and reconnection with a
 * capped backoff forever. The client connects at once; `health.waitUntilUp()` waits for it.
 * Throws only on a URL that is not a Redis URL.
 */
export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const url = new URL(options.url);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`not a Redis URL (redis:// or rediss://): ${url.protocol}//${url.host}`);
  }
  const maxBackoffMs = options.maxBackoffMs ?? 2000;
  const client = new Redis(options.url, {
    connectTimeout: options.connectTimeoutMs ?? 1000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    connectionName: options.connectionName ?? 'chatgate',
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times - 1, 16), maxBackoffMs) + jitter(),
  });
  const secrets = [decodeURIComponent(url.password)].filter((secret) => secret.length >= 4);
  const health = new RedisHealth(client, {
    target: redisTarget(options.url),
    probeIntervalMs: options.probeIntervalMs ?? 1000,
    secrets,
  });
  return {
    client,
    health,
    async close() {
      health.dispose();
      if (client.status === 'ready') {
        await client.quit().catch(() => client.disconnect());
      } else {
        client.disconnect();
      }
    },
  };
}

/** `REDIS_URL` without its credentials, for logs and status: `redis://host:port/db`. */
export function redisTarget(redisUrl: string): string {
  const url = new URL(redisUrl);
  const db = url.pathname.length > 1 ? url.pathname : '';
  return `${url.protocol}//${url.hostname}:${url.port || '6379'}${db}`;
}

const jitter = (): number => Math.floor(Math.random() * 100);
