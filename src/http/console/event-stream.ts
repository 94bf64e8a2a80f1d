import type { FastifyReply } from 'fastify';

/**
 * A server-sent event stream on a hijacked reply (the format of the WHATWG HTML standard,
 * "Server-sent events": `event:` and `data:` lines, a blank line ends an event). `send` drops
 * events once the connection is gone; `closed` resolves then.
 */
export class EventStream {
  readonly closed: Promise<void>;
  private open = true;

  constructor(private readonly reply: FastifyReply) {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Proxies (nginx) must pass each event at once, not buffer the stream.
      'x-accel-buffering': 'no',
      'x-request-id': String(reply.request.id),
    });
    this.closed = new Promise((resolve) => {
      // The caller may have gone while the route built its first event: 'close' has fired already.
      if (res.closed) {
        this.open = false;
        resolve();
        return;
      }
      res.once('close', () => {
        this.open = false;
        resolve();
      });
    });
  }

  /** Sends one event: `data` as one line of JSON. */
  send(event: string, data: unknown): void {
    if (!this.open) return;
    this.reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream (the client reconnects when it wants more). */
  end(): void {
    if (!this.open) return;
    this.open = false;
    this.reply.raw.end();
  }
}
