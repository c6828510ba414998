/**
 * When to subscribe the notebook's code again after its observable errored (a transform in
 * pipeline.ts, an annotate function in annotations.ts). Resubscribing at once (a microtask) looped
 * without end when the observable errors as it is subscribed (`() => throwError(...)`): the event
 * loop never ran again and the kernel hung. So a retry waits for the next frame (bounded by the
 * frame rate), and after a few failures in a row it also waits a backoff that doubles (1 s, 2 s,
 * ... capped), so a function that fails every time costs a try now and then, not one per frame.
 */

/** Failures in a row retried at the next frame, before the backoff starts. */
export const RETRIES_BEFORE_BACKOFF = 3;
/** The first backoff, ms; each further failure in a row doubles it. */
export const FIRST_BACKOFF_MS = 1000;
/** The longest backoff, ms: a function fixed from outside (its model reloaded) is tried again within this. */
const MAX_BACKOFF_MS = 8000;

export class RetryGate {
  private failures = 0;
  private pending = false;
  private notBefore = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The subscription errored: retry before a later frame. */
  failed(): void {
    this.pending = true;
    this.failures++;
    const over = this.failures - RETRIES_BEFORE_BACKOFF;
    this.notBefore = over < 0 ? 0 : this.now() + Math.min(FIRST_BACKOFF_MS * 2 ** over, MAX_BACKOFF_MS);
  }

  /** It produced something valid: the next failure is retried at the next frame again. */
  succeeded(): void {
    this.failures = 0;
  }

  /** A new function was set: no retry waits. */
  reset(): void {
    this.failures = 0;
    this.pending = false;
    this.notBefore = 0;
  }

  /** Whether a retry waits (the subscription is dead until it is made). */
  get waiting(): boolean {
    return this.pending;
  }

  /** Whether to subscribe again now, before a frame goes in (true once per failure, after its backoff). */
  due(): boolean {
    if (!this.pending || this.now() < this.notBefore) return false;
    this.pending = false;
    return true;
  }
}
