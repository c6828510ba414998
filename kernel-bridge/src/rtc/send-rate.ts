/**
 * The kernel's VP8 encoder follows the browser's feedback on the stream it receives from us
 * (kernel -> browser), so a slow or lossy link makes the kernel send less instead of losing more.
 * A pure controller (no timers, no I/O; the caller passes the time) so its rules are unit-tested.
 *
 * The rule is the loss-based half of Google Congestion Control (draft-ietf-rmcat-gcc-02, section
 * 6), fed by the loss Chrome's receiver reports on our stream show over a window of at least
 * LOSS_WINDOW_MS and LOSS_WINDOW_PACKETS (from their cumulative counters: Chrome sends a report
 * with every feedback packet, several a second, and the fraction of each covers a handful of
 * packets, swinging between 0 and 50% at a steady 5%):
 *   loss > 10%  -> estimate x (1 - 0.5 * loss)
 *   loss < 2%   -> estimate x 1.05
 *   otherwise   -> unchanged
 * bounded below by MIN_BPS and above by the cap (the stream's bitrate setting, or the encoder's
 * default for the size) and by the browser's REMB, when it sends one (its delay-based estimate).
 * The estimate starts at the cap: on a good link nothing changes from before.
 *
 * libvpx (through FFmpeg) takes a new target bitrate only by re-opening the encoder, which makes the
 * next frame a keyframe (media/codecs.ts). So a new estimate reaches the encoder at most every
 * MIN_APPLY_INTERVAL_MS, and only once it is MIN_STEP away from the applied rate. At 5% random
 * loss the reports swing between 0 and 12%, which moved the rate 5% each way and re-opened the
 * encoder every 2 s (bench/g2g: 9 times in 19 s); such swings now stay within the step.
 */

/** Below this VP8 at 640x480 shows blocks only; the estimate never goes lower. */
export const MIN_BPS = 100_000;
/** Relative change of the estimate from the applied rate that is worth a keyframe. */
const MIN_STEP = 0.15;
/** At most one encoder re-open (keyframe) per this interval. */
export const MIN_APPLY_INTERVAL_MS = 2000;

/** The loss rule runs at most once per window of this length and packet count. */
export const LOSS_WINDOW_MS = 1000;
export const LOSS_WINDOW_PACKETS = 50;

const HIGH_LOSS = 0.1;
const LOW_LOSS = 0.02;
const GROWTH = 1.05;

export class SendRate {
  private capBps: number;
  private rembBps = Infinity;
  private estimateBps: number;
  private appliedBps: number;
  private appliedAt = -Infinity;
  /** Where the current loss window started: the report's cumulative counts, and when. */
  private window: { lost: number; highestSeq: number; at: number } | undefined;

  constructor(capBps: number) {
    this.capBps = Math.max(MIN_BPS, capBps);
    this.estimateBps = this.capBps;
    this.appliedBps = this.capBps;
  }

  /** The bitrate the encoder should run at, bit/s. */
  get bitrate(): number {
    return this.appliedBps;
  }

  /** The loss-based estimate, bounded (what `bitrate` moves towards), bit/s. */
  get estimate(): number {
    return this.estimateBps;
  }

  /**
   * A new upper bound (the stream's bitrate setting or the default for a new frame size), applied at
   * once: a user's setting is not held back by the interval. Returns whether `bitrate` changed.
   */
  setCap(capBps: number, nowMs: number): boolean {
    const cap = Math.max(MIN_BPS, capBps);
    if (cap === this.capBps) return false;
    const wasAtCap = this.estimateBps >= this.capBps;
    this.capBps = cap;
    // a raised cap on a link that carried the old one: start from the new cap, as on a new stream
    this.estimateBps = this.bound(wasAtCap ? cap : this.estimateBps);
    return this.apply(nowMs, true);
  }

  /**
   * A receiver report on our stream: its cumulative number of packets lost and extended highest
   * sequence number received. Once the window since the last evaluation is long enough, its loss
   * goes through onLoss. Returns whether `bitrate` changed (the caller re-opens the encoder then).
   */
  onReceiverReport(cumulativeLost: number, highestSeq: number, nowMs: number): boolean {
    if (!Number.isFinite(cumulativeLost) || !Number.isFinite(highestSeq)) return false;
    const w = this.window;
    const expected = w ? highestSeq - w.highestSeq : 0;
    if (!w || expected < 0) {
      this.window = { lost: cumulativeLost, highestSeq, at: nowMs };
      return false;
    }
    if (nowMs - w.at < LOSS_WINDOW_MS || expected < LOSS_WINDOW_PACKETS) return false;
    this.window = { lost: cumulativeLost, highestSeq, at: nowMs };
    return this.onLoss((cumulativeLost - w.lost) / expected, nowMs);
  }

  /** The fraction lost (0-1) over one window. Returns whether `bitrate` changed. */
  onLoss(fraction: number, nowMs: number): boolean {
    if (!Number.isFinite(fraction)) return false;
    const loss = Math.min(1, Math.max(0, fraction));
    if (loss > HIGH_LOSS) this.estimateBps = this.bound(this.estimateBps * (1 - 0.5 * loss));
    else if (loss < LOW_LOSS) this.estimateBps = this.bound(this.estimateBps * GROWTH);
    return this.apply(nowMs, false);
  }

  /** The browser's receiver-estimated maximum bitrate (REMB), bit/s. Returns whether `bitrate` changed. */
  onRemb(bps: number, nowMs: number): boolean {
    if (!Number.isFinite(bps) || bps <= 0) return false;
    this.rembBps = bps;
    this.estimateBps = this.bound(this.estimateBps);
    return this.apply(nowMs, false);
  }

  private bound(bps: number): number {
    return Math.max(MIN_BPS, Math.min(bps, this.capBps, this.rembBps));
  }

  private apply(nowMs: number, now: boolean): boolean {
    const target = Math.round(this.estimateBps);
    if (target === this.appliedBps) return false;
    if (!now) {
      if (nowMs - this.appliedAt < MIN_APPLY_INTERVAL_MS) return false;
      if (Math.abs(target - this.appliedBps) < MIN_STEP * this.appliedBps) return false;
    }
    this.appliedBps = target;
    this.appliedAt = nowMs;
    return true;
  }
}
