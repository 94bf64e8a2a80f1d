import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorBody } from './errors.js';

const REASONS: Record<string, [status: number, code: string, detail: string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'the request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'the request headers are too large'],
};

/**
 * Answers what Node's HTTP parser refuses before a route sees it (a request whose headers and body
 * did not arrive within `requestTimeout`, oversized headers, bytes that are not HTTP) in chatgate's
 * error shape, then closes the connection. For fastify's `clientErrorHandler`.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, detail] = REASONS[error.code ?? ''] ?? [
    400,
    'bad_request',
    'the request is not valid HTTP',
  ];
  const body: ErrorBody = {
    detail,
    error_code: code,
    timestamp: new Date().toISOString(),
    correlation_id: randomUUID(),
  };
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
  );
}
