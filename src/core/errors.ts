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

/**
 * The abort reason of a running interaction whose queue is closing and whose grace period is over:
 * the job goes back to the shared queue (redis backend) for another instance to run. A runner that
 * sees it on its signal must not record a failure nor tell the caller anything: it rethrows.
 */
export class HandBackError extends ChatgateError {
  override readonly name = 'HandBackError';
  constructor() {
    super('handed back to the queue at shutdown', 'handed_back', 503);
  }
}

/**
 * An interaction cut short by a shutdown whose grace period is over, where it cannot be handed to
 * another process (memory backend): the abort reason of a running one (`started` true), and the
 * error reported for one that never started (`started` false). The message is the failure reason
 * recorded on the interaction: `shutdown`.
 */
export class InteractionShutdownError extends ChatgateError {
  override readonly name = 'InteractionShutdownError';
  constructor(readonly started: boolean) {
    super('shutdown', 'shutdown', 503);
  }
}

/**
 * An interaction failed for good and the runner has already recorded the failure and told the
 * caller; thrown only so that a retrying queue (redis) marks the job failed. Not to be recorded again.
 */
export class InteractionFailedError extends ChatgateError {
  override readonly name = 'InteractionFailedError';
  constructor(reason: string) {
    super(reason, 'interaction_failed', 500);
  }
}
