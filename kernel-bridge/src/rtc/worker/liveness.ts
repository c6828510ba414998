/**
 * Notices a browser that went away without a word (tab killed, machine asleep, network gone).
 * werift only notices through ICE consent freshness, after 30 s and as a failure; a connected
 * browser sends RTCP every second or so and video at its frame rate, so a few seconds of silence
 * already mean it is gone (see LIVENESS_TIMEOUT_MS in ../media-peer.ts).
 *
 * Each packet only stores a time (30-60 packets a second); a timer checks a few times per timeout.
 */

/** Checks per timeout: the browser is declared gone at most 1/CHECKS_PER_TIMEOUT late. */
const CHECKS_PER_TIMEOUT = 4;

export class Liveness {
  private last = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onSilent: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts watching (connected); the silence is counted from now. Idempotent. */
  start(): void {
    if (this.timer) return;
    this.last = this.now();
    this.timer = setInterval(() => this.check(), Math.max(1, this.timeoutMs / CHECKS_PER_TIMEOUT));
    this.timer.unref?.();
  }

  /** Something arrived from the browser. */
  heard(): void {
    this.last = this.now();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (this.now() - this.last < this.timeoutMs) return;
    this.stop();
    this.onSilent();
  }
}
