/**
 * The worker's counters and the ~1 Hz 'stats' report built from them. Kept apart so receive and
 * send only count (plain number fields, nothing allocated per frame), and the report lives in one
 * place. Frame counts are cumulative since the worker started; decode and encode times are summed
 * per interval and reported as a mean per frame. MediaPeer adds its own counts and the rates.
 */
import type { FromWorker, LinkStats, WorkerAudioCounts, WorkerFrameCounts, WorkerStatsReport } from '../protocol';

const STATS_INTERVAL_MS = 1000;

export const NO_LINK_STATS: LinkStats = { bytes_in: 0, bytes_out: 0, rtt_ms: null, loss_out: 0, lost_in: 0 };

export class WorkerStats implements WorkerFrameCounts {
  received = 0;
  decoded = 0;
  decode_failed = 0;
  dropped_worker = 0;
  dropped_send = 0;
  encoded = 0;
  sent = 0;
  /** libvpx encoders opened so far: 0 for a stream that never sent a frame (sendonly). */
  encoder_opens = 0;
  /** Audio frames per stage (audio-receive.ts, audio-send.ts), cumulative. */
  readonly audio: WorkerAudioCounts = {
    received: 0,
    decoded: 0,
    decode_failed: 0,
    dropped_worker: 0,
    dropped_send: 0,
    encoded: 0,
    sent: 0,
  };
  /** Decode / encode time this interval, ms. */
  decodeMs = 0;
  encodeMs = 0;
  private lastDecoded = 0;
  private lastEncoded = 0;
  private lastSent = 0;
  private lastAt = performance.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private reading = false;

  /** Dropped frames so far, wherever in the worker. */
  get dropped(): number {
    return this.decode_failed + this.dropped_worker + this.dropped_send;
  }

  /** The report for the interval since the last one; starts the next interval. */
  snapshot(link: LinkStats = NO_LINK_STATS, now = performance.now()): WorkerStatsReport {
    const intervalMs = Math.max(1, now - this.lastAt);
    const perSecond = 1000 / intervalMs;
    const decodedNow = this.decoded - this.lastDecoded;
    const encodedNow = this.encoded - this.lastEncoded;
    const report: WorkerStatsReport = {
      interval_ms: intervalMs,
      fps_in: decodedNow * perSecond,
      fps_out: (this.sent - this.lastSent) * perSecond,
      dropped: this.dropped,
      decode_ms: decodedNow ? this.decodeMs / decodedNow : 0,
      encode_ms: encodedNow ? this.encodeMs / encodedNow : 0,
      total: {
        received: this.received,
        decoded: this.decoded,
        decode_failed: this.decode_failed,
        dropped_worker: this.dropped_worker,
        dropped_send: this.dropped_send,
        encoded: this.encoded,
        sent: this.sent,
      },
      audio: { ...this.audio },
      link,
      encoder_opens: this.encoder_opens,
    };
    this.lastAt = now;
    this.lastDecoded = this.decoded;
    this.lastEncoded = this.encoded;
    this.lastSent = this.sent;
    this.decodeMs = this.encodeMs = 0;
    return report;
  }

  /**
   * Posts a report every interval. `readLink` (werift's RTCP statistics) is asynchronous; the
   * counters are read after it, and the report posted in the same turn, so a report's counts are
   * those of the frames handled before it on the port (MediaPeer relies on that order).
   */
  start(
    post: (msg: FromWorker) => void,
    readLink: () => Promise<LinkStats> = async () => NO_LINK_STATS,
    intervalMs = STATS_INTERVAL_MS,
  ): void {
    this.stop();
    this.timer = setInterval(() => {
      if (this.reading) return; // a slow read skips a tick rather than piling up
      this.reading = true;
      void readLink()
        .catch(() => NO_LINK_STATS)
        .then((link) => {
          this.reading = false;
          if (this.timer !== undefined) post({ t: 'stats', stats: this.snapshot(link) });
        });
    }, intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
