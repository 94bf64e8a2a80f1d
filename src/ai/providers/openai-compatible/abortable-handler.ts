import type { Dispatcher } from 'undici';

/**
 * The part of an undici dispatch handler that a caller's AbortSignal drives: the signal firing
 * (before the exchange started, or during it) aborts it through undici's controller, with the
 * signal's reason. Subclasses call `detach()` once the exchange has ended or failed. The listener
 * is kept in a field set from a local constant, never a function literal assigned to a property,
 * which V8 would allocate in the old generation (see whole-response.ts).
 */
export abstract class AbortableHandler {
  protected controller: Dispatcher.DispatchController | undefined;
  private readonly onAbort: (() => void) | undefined;

  constructor(private readonly signal: AbortSignal | undefined) {
    if (signal && !signal.aborted) {
      const onAbort = () => this.controller?.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.onAbort = onAbort;
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.signal?.aborted) controller.abort(this.signal.reason);
  }

  /** Stops listening to the signal. */
  protected detach(): void {
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
  }
}
