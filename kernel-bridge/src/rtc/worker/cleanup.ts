/**
 * Undo-list for werift subscriptions and processors. The worker must release every one of them on
 * close (a live subscription keeps the peer, its buffers and its UDP sockets reachable), and one
 * failing release must not skip the others: each runs, failures are reported, never thrown.
 */
import { errorMessage } from '../../errors';

export class Cleanup {
  private readonly steps: (() => void)[] = [];

  add(step: () => void): void {
    this.steps.push(step);
  }

  /** Runs and forgets every step, newest first; `onError` gets "<what>: <message>" per failure. */
  run(what: string, onError: (message: string) => void): void {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        step();
      } catch (e) {
        onError(`${what}: ${errorMessage(e)}`);
      }
    }
  }
}
