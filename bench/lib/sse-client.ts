import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One streamed completion as the client saw it. Times in ms from the request's start. */
export interface StreamTiming {
  status: number;
  /** Time to the first chunk with text (chatgate's first chunk carries only the role and ""); 0 if none. */
  first: number;
  /** Time to the end of the body. */
  last: number;
  /** Status 200 and the stream ended with `data: [DONE]`. */
  ok: boolean;
  /** Why it failed (network error, status), when it did. */
  error?: string;
}

/** Keep-alive connections without a cap, so N concurrent streams get N sockets. */
export const streamAgent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/**
 * POSTs `body` (a chat completion request with `stream: true`) to `url` over node:http (with
 * `headers` besides the content type) and times
 * the SSE answer. Never rejects: failures come back with `ok: false` and `error`.
 */
export function timeStream(
  url: string,
  body: string,
  agent: Agent = streamAgent,
  headers: Record<string, string> = {},
): Promise<StreamTiming> {
  const started = performance.now();
  return new Promise((resolve) => {
    let first = 0;
    let seen = '';
    let status = 0;
    const fail = (error: Error) =>
      resolve({ status, first, last: performance.now() - started, ok: false, error: error.message });
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          seen += chunk;
          if (!first && /"content":"[^"]/.test(seen)) first = performance.now() - started;
        });
        res.on('error', fail);
        res.on('end', () => {
          const ok = status === 200 && seen.trimEnd().endsWith('data: [DONE]');
          resolve({
            status,
            first,
            last: performance.now() - started,
            ok,
            ...(ok ? {} : { error: `status ${status}: ${seen.slice(-120)}` }),
          });
        });
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}
