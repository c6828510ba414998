/**
 * The kernel transport's piggybacked acks (the kernel has the same logic in
 * kernel-bridge/src/streamer/pending-ack.ts): a side that also sends video does not answer each of
 * the other side's frames with its own `ack` message (one more comm message, and on the browser's
 * side a busy/idle pair from the kernel too) but puts the newest frame taken in the header of its
 * next video message. When no video goes within ACK_PIGGYBACK_MS (a frame skipped, a paused
 * source) a standalone `ack` goes instead, so the other side's credit never starves.
 */

/** Longest an ack waits for a video message to ride on: one frame period at 30 fps, plus a little. */
export const ACK_PIGGYBACK_MS = 40;

export class PendingAck {
  private pending: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly flush = (): void => {
    this.timer = null;
    const seq = this.take();
    if (seq !== null) this.sendAck(seq);
  };

  /**
   * `sendAck` puts a standalone `ack` on the link; `piggyback` false sends each ack at once (the
   * side sends no video, so nothing would carry it).
   */
  constructor(
    private readonly sendAck: (seq: number) => void,
    private piggyback: boolean,
  ) {}

  /** From now on this side sends video (or not): acks wait for it (or go at once). */
  setPiggyback(piggyback: boolean): void {
    this.piggyback = piggyback;
    if (!piggyback) this.flushNow();
  }

  /** The other side's frame `seq` was taken: acknowledge it (with every older one in flight). */
  took(seq: number): void {
    this.pending = seq;
    if (!this.piggyback) return this.flushNow();
    this.timer ??= setTimeout(this.flush, ACK_PIGGYBACK_MS);
  }

  /** The ack to put in the video message about to go (null: none due); it is then sent. */
  take(): number | null {
    const seq = this.pending;
    this.pending = null;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    return seq;
  }

  /** Sends the pending ack now, standalone (before a keyframe request, or when closing). */
  flushNow(): void {
    const seq = this.take();
    if (seq !== null) this.sendAck(seq);
  }

  /** Drops the pending ack and its timer (the link closed). */
  close(): void {
    this.take();
  }
}
