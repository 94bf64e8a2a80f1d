/**
 * Our few named errors. Each carries a stable `code` that the HTTP layer turns into `error_code`,
 * and a `status` for the HTTP answer. Messages never carry secrets (tokens, API keys).
 */
export class ChatgateError extends Error {
  override readonly name: string = 'ChatgateError';
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad input from a caller: HTTP 400 naming the field at fault. */
export class ValidationError extends ChatgateError {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message, 'validation_error', 400);
  }
}

/** The interaction queue is at its bound; the caller should retry after `retryAfterSeconds`. */
export class QueueFullError extends ChatgateError {
  override readonly name = 'QueueFullError';
  constructor(
    readonly retryAfterSeconds: number,
    message = 'the interaction queue is full',
  ) {
    super(message, 'queue_full', 503);
  }
}

/**
 * The interaction queue's backend cannot be reached (the redis queue while Redis is down): the job
 * was not stored, so the caller is told at once and should retry after `retryAfterSeconds`.
 */
export class QueueUnavailableError extends ChatgateError {
  override readonly name = 'QueueUnavailableError';
  constructor(
    readonly retryAfterSeconds: number,
    message = 'the interaction queue cannot be reached',
  ) {
    super(message, 'queue_unavailable', 503);
  }
}

/** The service is closing and takes no new work. */
export class ShuttingDownError extends ChatgateError {
  override readonly name = 'ShuttingDownError';
  constructor() {
    super('chatgate is shutting down', 'shutting_down', 503);
  }
}

/** A looked-up thing does not exist (an interaction id, a provider name). */
export class NotFoundError extends ChatgateError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super(message, 'not_found', 404);
  }
}
