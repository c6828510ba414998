/**
 * The worker's counters and the ~1 Hz 'stats' message built from them. Kept apart so receive and
 * send only count, and the per-second reset lives in one place. `dropped` is cumulative (MediaPeer
 * adds its own drops to it); the others are per interval.
 */
import type { FromWorker, MediaStats } from '../protocol';

const STATS_INTERVAL_MS = 1000;

export class WorkerStats {
  framesIn = 0;
  framesOut = 0;
  decodeMs = 0;
  encodeMs = 0;
  dropped = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  /** This interval's figures; resets the per-interval counters. */
  snapshot(): MediaStats {
    const stats: MediaStats = {
      fps_in: this.framesIn,
      fps_out: this.framesOut,
      dropped: this.dropped,
      decode_ms: this.framesIn ? this.decodeMs / this.framesIn : 0,
      encode_ms: this.framesOut ? this.encodeMs / this.framesOut : 0,
    };
    this.framesIn = this.framesOut = 0;
    this.decodeMs = this.encodeMs = 0;
    return stats;
  }

  start(post: (msg: FromWorker) => void, intervalMs = STATS_INTERVAL_MS): void {
    this.stop();
    this.timer = setInterval(() => post({ t: 'stats', stats: this.snapshot() }), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
