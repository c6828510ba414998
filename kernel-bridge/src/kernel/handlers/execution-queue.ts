/**
 * Cells run one at a time, in the order they were sent. When a cell fails and asked for
 * stop_on_error, the cells queued behind it are answered "aborted" instead of run, as ipykernel
 * does, so a Run All stops at the first error.
 *
 * "Queued behind it" means queued when its failure reply is sent (`abortWaiting()`, called by the
 * handler just before that reply), not when its run() settles: a client that saw the reply and
 * sent a new cell must get that cell run. Deciding after run() settled aborted such cells whenever
 * they arrived during the failed cell's trailing busy/idle (seen as a flaky test under load).
 */
export interface QueuedCell {
  run(): Promise<void>;
  abort(): void;
}

export class ExecutionQueue {
  private readonly waiting: QueuedCell[] = [];
  private running = false;

  push(cell: QueuedCell): void {
    this.waiting.push(cell);
    if (!this.running) void this.drain();
  }

  /** Answers every cell waiting now "aborted" (a cell failed with stop_on_error). */
  abortWaiting(): void {
    for (const queued of this.waiting.splice(0)) queued.abort();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let cell = this.waiting.shift(); cell; cell = this.waiting.shift()) await cell.run();
    } finally {
      this.running = false;
    }
  }
}
