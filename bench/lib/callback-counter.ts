import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** An HTTP server on loopback that counts chatgate's reply callbacks (POSTs), as a caller would get them. */
export interface CallbackCounter {
  url: string;
  /** performance.now() of each callback whose body says `"success":true`. */
  replies: number[];
  /** Callbacks that said `"success":false` (with their `error`). */
  failures: string[];
  close(): Promise<void>;
}

export async function startCallbackCounter(): Promise<CallbackCounter> {
  const replies: number[] = [];
  const failures: string[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      raw += chunk;
    });
    request.on('end', () => {
      const body = JSON.parse(raw) as { success?: boolean; error?: string };
      if (body.success) replies.push(performance.now());
      else failures.push(body.error ?? 'unknown');
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    replies,
    failures,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
