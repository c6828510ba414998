/**
 * Cells run one at a time, in the order they were sent. When a cell fails and asked for
 * stop_on_error, the cells queued behind it are answered "aborted" instead of run, as ipykernel
 * does, so a Run All stops at the first error.
 */
export interface QueuedCell {
  run(): Promise<{ failed: boolean; stopOnError: boolean }>;
  abort(): void;
}

export class ExecutionQueue {
  private readonly waiting: QueuedCell[] = [];
  private running = false;

  push(cell: QueuedCell): void {
    this.waiting.push(cell);
    if (!this.running) void this.drain();
  }

  get busy(): boolean {
    return this.running;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let cell = this.waiting.shift(); cell; cell = this.waiting.shift()) {
        const { failed, stopOnError } = await cell.run();
        if (failed && stopOnError) {
          for (const queued of this.waiting.splice(0)) queued.abort();
        }
      }
    } finally {
      this.running = false;
    }
  }
}
