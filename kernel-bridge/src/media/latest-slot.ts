/**
 * "Newest frame wins", written once. Every stage that hands frames to something slower (the worker
 * posting decoded frames to the main thread, MediaPeer handing them to the transform, send() passing
 * frames to the encoder, latestFirst() running an async transform) keeps at most ONE frame waiting:
 * a newer one replaces it and the older is dropped and counted. A queue there would turn a slow
 * transform into growing latency (the browser would show seconds-old frames); one slot keeps the
 * delay at one frame. These two small classes were four hand-written copies before.
 */

/** One waiting value; putting a new one drops (and counts) the one already there. */
export class LatestSlot<T> {
  private waiting: { value: T } | null = null;
  /** Values replaced before they were taken, since creation. */
  dropped = 0;

  /** `onDrop` gets each replaced value (e.g. to recycle its buffer or acknowledge it). */
  constructor(private readonly onDrop?: (dropped: T, totalDropped: number) => void) {}

  get full(): boolean {
    return this.waiting !== null;
  }

  put(value: T): void {
    const old = this.waiting;
    this.waiting = { value };
    if (old) {
      this.dropped++;
      this.onDrop?.(old.value, this.dropped);
    }
  }

  /** Empties the slot: the waiting value, or undefined. */
  take(): T | undefined {
    const w = this.waiting;
    this.waiting = null;
    return w?.value;
  }
}

/**
 * At most `capacity` values in flight (started, not yet `done()`); beyond that the newest waits in a
 * LatestSlot and starts when one in flight is done. `start` runs synchronously from offer()/done().
 */
export class LatestGate<T> {
  private readonly slot: LatestSlot<T>;
  private running = 0;

  constructor(
    private readonly capacity: number,
    private readonly start: (value: T) => void,
    onDrop?: (dropped: T, totalDropped: number) => void,
  ) {
    if (!(capacity >= 1)) throw new RangeError('LatestGate capacity must be >= 1');
    this.slot = new LatestSlot<T>(onDrop);
  }

  get inFlight(): number {
    return this.running;
  }
  get dropped(): number {
    return this.slot.dropped;
  }
  /** True when nothing runs and nothing waits. */
  get idle(): boolean {
    return this.running === 0 && !this.slot.full;
  }

  offer(value: T): void {
    if (this.running < this.capacity) {
      this.running++;
      this.start(value);
    } else {
      this.slot.put(value);
    }
  }

  /** One in-flight value finished; starts the waiting one, if any. Returns whether it did. */
  done(): boolean {
    this.running = Math.max(0, this.running - 1);
    if (this.running >= this.capacity || !this.slot.full) return false;
    this.offer(this.slot.take() as T);
    return true;
  }

  /** Forgets the waiting value (not counted as dropped); returns it so its owner can release it. */
  clear(): T | undefined {
    return this.slot.take();
  }
}
