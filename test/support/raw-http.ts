import { connect } from 'node:net';

/** What the server wrote on a raw connection, once it closed it. */
export interface RawExchange {
  /** Everything received, as text. */
  text: string;
  /** The status code of the first response line (0 when none came). */
  status: number;
}

/**
 * Opens a TCP connection to `port` on 127.0.0.1, writes `chunks` as they are (a request cut short,
 * a body that never comes), and resolves with what the server answers once it closes the
 * connection, or once `untilFirstData` and the first bytes arrived. Rejects on a socket error.
 */
export function rawExchange(
  port: number,
  chunks: string[],
  options: { untilFirstData?: boolean } = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const finish = () => {
      socket.destroy();
      resolve({ text, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0) });
    };
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    socket.on('data', (data) => {
      text += data.toString('utf8');
      if (options.untilFirstData && /\r\n\r\n/.test(text)) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', reject);
  });
}
