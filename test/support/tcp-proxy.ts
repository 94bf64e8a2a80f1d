import { connect, createServer, type Socket } from 'node:net';

/** A loopback TCP proxy in front of a server, whose link a test can cut and restore. */
export interface TcpProxy {
  /** The loopback port clients connect to instead of the target's. */
  port: number;
  /** Connections piped to the target right now. */
  readonly open: number;
  /**
   * The server "goes down": destroys every open connection (both ends, as a crash would) and
   * destroys each new one as soon as it is accepted, until `restore()`. The listener stays up, so
   * the port cannot be taken meanwhile.
   */
  cut(): void;
  /** The server "comes back": new connections are piped to the target again. */
  restore(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 (a free port) that pipes each connection to `target`, so that a
 * client (pg, ioredis) can lose its server and get it back without the machine's server stopping.
 * @example
 * const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
 * // point DATABASE_URL at 127.0.0.1:<proxy.port>, then:
 * proxy.cut(); ... proxy.restore();
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let down = false;
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(target);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  const destroyAll = () => {
    for (const [client, upstream] of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port: address.port,
    get open() {
      return pairs.size;
    },
    cut() {
      down = true;
      destroyAll();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        down = true;
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
