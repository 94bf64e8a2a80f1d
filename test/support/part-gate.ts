/**
 * Paces a fake model's stream by events (`FakeBehaviour.paceParts`): part n (from 1) is written
 * only once the test released it, e.g. after the chat showed part n-1. Never a timer.
 * @example
 * const gate = new PartGate();
 * ollama.behave({ reply: 'a b c', paceParts: gate.wait });
 * gate.releaseThrough(1); // ' b' may go; ' c' waits
 */
export class PartGate {
  private released = 0;
  private readonly waiting: { index: number; resolve: () => void }[] = [];

  /** What the fake awaits before writing part `index`. */
  readonly wait = (index: number): Promise<void> => {
    if (index <= this.released) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ index, resolve }));
  };

  /** Lets every part up to `index` be written. */
  releaseThrough(index: number): void {
    this.released = Math.max(this.released, index);
    for (const waiter of this.waiting.splice(0)) {
      if (waiter.index <= this.released) waiter.resolve();
      else this.waiting.push(waiter);
    }
  }

  /** Lets every part be written, now and later. */
  releaseAll(): void {
    this.releaseThrough(Number.POSITIVE_INFINITY);
  }
}
