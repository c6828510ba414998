/**
 * Incoming video, browser -> main thread:
 *   track.onReceiveRtp -> JitterBufferCallback -> DepacketizeCallback('vp8')
 *   -> node-av VP8 decode -> I420 copy into a pooled buffer -> transferred to the main thread.
 *
 * Flow control (all bounded): at most `maxInFlight` decoded frames are unacknowledged by the main
 * thread; beyond that one decoded frame is held and newer ones replace it (dropped, counted). So
 * while the main thread is busy (a cell computing), the browser keeps showing the last frame the
 * main thread sent back; when it frees up it receives the newest frame, not a backlog.
 *
 * Lost packets, corrupt frames and a stream that has not decoded yet ask the browser for a keyframe
 * (RTCP PLI), at most every PLI_INTERVAL_MS (a request within it is sent when it ends): Chrome
 * answers each PLI with a keyframe, and a burst of them would flood the link with keyframes.
 */
import type { MediaStreamTrack as Track, RtpPacket as RtpPacketT } from 'werift';
import type {
  JitterBufferCallback as JitterT,
  DepacketizeCallback as DepacketizeT,
} from 'werift/lib/webrtc/src/nonstandard';
import type { I420BufferPool } from '../../media/buffer-pool';
import { Vp8Decoder, copyAvFrameToI420 } from '../../media/codecs';
import { decodedSizeProblem, i420Size } from '../../media/frame';
import { LatestGate } from '../../media/latest-slot';
import type { FromWorker } from '../protocol';
import { Cleanup } from './cleanup';
import type { Recorders } from './record';
import { CaptureClock } from './rtp-clock';
import type { WorkerStats } from './stats';

const nonstandard = require('werift/nonstandard') as {
  JitterBufferCallback: typeof JitterT;
  DepacketizeCallback: typeof DepacketizeT;
};

const PLI_INTERVAL_MS = 300;

interface Decoded {
  width: number;
  height: number;
  timestamp: number;
  buffer: ArrayBuffer;
}

export interface ReceiverOptions {
  post: (msg: FromWorker, transfer?: ArrayBuffer[]) => void;
  onError: (e: unknown) => void;
  pool: I420BufferPool;
  stats: WorkerStats;
  /** Decoded frames posted and not yet acknowledged, at most. */
  maxInFlight: number;
  /** Jitter buffer latency, ms. */
  jitterLatencyMs: number;
  /** Recordings of the input: they get each VP8 frame and each decoded picture (record.ts). */
  recorders?: Recorders;
}

export class Receiver {
  private readonly decoder = new Vp8Decoder(1);
  private readonly clock = new CaptureClock();
  private readonly toMain: LatestGate<Decoded>;
  private readonly cleanup = new Cleanup();
  private remoteSsrc: number | undefined;
  private sendPli: ((ssrc: number) => Promise<void>) | undefined;
  private lastPli = -Infinity;
  /** The PLI held back by the interval, sent when it ends. */
  private deferredPli: ReturnType<typeof setTimeout> | undefined;
  private decodedOnce = false;
  /** A too-large frame was reported (once per peer: a stream of them would flood the log). */
  private reportedRejection = false;
  private closed = false;

  constructor(private readonly opts: ReceiverOptions) {
    this.toMain = new LatestGate<Decoded>(
      opts.maxInFlight,
      (f) => opts.post({ t: 'frame', ...f }, [f.buffer]),
      (dropped) => {
        opts.stats.dropped_worker++;
        opts.pool.give(dropped.buffer);
      },
    );
  }

  /** Starts decoding the browser's track; `sendPli` asks the browser for a keyframe. */
  attach(track: Track, sendPli: (ssrc: number) => Promise<void>): void {
    this.remoteSsrc = track.ssrc;
    this.sendPli = sendPli;
    const jitter = new nonstandard.JitterBufferCallback(90000, { latency: this.opts.jitterLatencyMs });
    const depacketizer = new nonstandard.DepacketizeCallback('vp8', {
      isFinalPacketInSequence: (h) => h.marker,
      waitForKeyframe: true,
    });
    depacketizer.onNeedKeyFrame.subscribe(() => this.requestKeyframe());
    jitter.pipe((o) => {
      if (o.isPacketLost) this.requestKeyframe();
      if (o.rtp?.payload.length === 0) skipPadding(depacketizer, o.rtp.header.sequenceNumber);
      else depacketizer.input(o);
    });
    depacketizer.pipe((o) => {
      if (!o.frame || this.closed) return;
      const { stats } = this.opts;
      stats.received++;
      const timestamp = this.clock.captureTimeMs(o.frame.timestamp as number);
      this.opts.recorders?.inputPacket(o.frame.data, timestamp);
      try {
        if (this.decode(o.frame.data, timestamp) === 0) stats.decode_failed++;
      } catch (e) {
        stats.decode_failed++;
        this.opts.onError(e);
        this.requestKeyframe();
      }
    });
    const sub = track.onReceiveRtp.subscribe((rtp: RtpPacketT) => {
      if (track.ssrc !== undefined) this.remoteSsrc = track.ssrc;
      // capture times count from the first packet's arrival, as audio's do (A/V sync)
      this.clock.anchor(rtp.header.timestamp);
      // the depacketizer clears the payload of packets it consumes: give it a copy
      jitter.input({ rtp: rtp.clone() });
    });
    this.cleanup.add(() => {
      sub.unSubscribe();
      jitter.destroy();
      depacketizer.destroy();
    });
    this.requestKeyframe();
  }

  /**
   * The kernel transport instead of a track: frames come whole through decodeChunk(), and a
   * keyframe is asked for with `askKeyframe` (a message to the browser) instead of an RTCP PLI.
   */
  attachChunks(askKeyframe: () => void): void {
    this.remoteSsrc = 0;
    this.sendPli = async () => askKeyframe();
    this.requestKeyframe();
  }

  /**
   * Kernel transport: decodes one whole VP8 frame the browser captured at `timestamp` (ms on this
   * process's wall clock, the audio's clock: chunk-clock.ts).
   */
  decodeChunk(data: Buffer, timestamp: number): void {
    if (this.closed) return;
    const { stats } = this.opts;
    stats.received++;
    this.opts.recorders?.inputPacket(data, timestamp);
    try {
      if (this.decode(data, timestamp) === 0) stats.decode_failed++;
    } catch (e) {
      stats.decode_failed++;
      this.opts.onError(e);
      this.requestKeyframe();
    }
  }

  /** The main thread has taken a decoded frame: the next (newest held) one may go. */
  ack(): void {
    this.toMain.done();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.deferredPli);
    this.cleanup.run('receiver cleanup', this.opts.onError);
    const held = this.toMain.clear();
    if (held) this.opts.pool.give(held.buffer);
    this.decoder.close();
  }

  /** Decodes one received frame (captured at `timestamp` ms); returns how many pictures went on (0: none usable). */
  private decode(data: Buffer, timestamp: number): number {
    const { pool, stats } = this.opts;
    const t0 = performance.now();
    let corrupt = false;
    let accepted = 0;
    const ret = this.decoder.decode(data, (f) => {
      const { width, height } = f;
      const problem = decodedSizeProblem(width, height);
      if (problem) {
        // Never posted (the main thread would refuse it): counted as decode_failed, reported once.
        if (!this.reportedRejection) {
          this.reportedRejection = true;
          this.opts.onError(`dropped decoded frames from the browser: ${problem}`);
        }
        return;
      }
      // Decoded frames flagged corrupt are delivered (browsers show them too); we ask for a keyframe.
      if (f.decodeErrorFlags) corrupt = true;
      const buffer = pool.take(width, height);
      const pixels = new Uint8Array(buffer, 0, i420Size(width, height));
      copyAvFrameToI420(f, pixels);
      // before offer(): posting transfers the buffer away
      if (this.opts.recorders?.wants('input', 'frames'))
        this.opts.recorders.inputFrame(pixels, width, height, timestamp);
      stats.decoded++;
      accepted++;
      this.decodedOnce = true;
      this.toMain.offer({ width, height, timestamp, buffer });
    });
    stats.decodeMs += performance.now() - t0;
    if (ret < 0 || corrupt || !this.decodedOnce) this.requestKeyframe();
    return accepted;
  }

  /**
   * Asks the browser for a keyframe (RTCP PLI), at most every PLI_INTERVAL_MS. A request within the
   * interval is sent when it ends, not dropped: the keyframe answering the last PLI may have been
   * encoded before this loss, and later frames would decode against what is missing until the
   * next loss asks again (at 5% loss: damaged pictures for seconds).
   */
  requestKeyframe(): void {
    if (this.closed || this.remoteSsrc === undefined || !this.sendPli) return;
    const wait = this.lastPli + PLI_INTERVAL_MS - performance.now();
    if (wait > 0) {
      this.deferredPli ??= setTimeout(() => {
        this.deferredPli = undefined;
        this.requestKeyframe();
      }, wait);
      return;
    }
    this.lastPli = performance.now();
    this.sendPli(this.remoteSsrc).catch(() => undefined);
  }
}

/**
 * A padding-only packet (no payload once werift strips the padding): Chrome's bandwidth probes,
 * sent on the video's own SSRC and sequence numbers because no RTX is negotiated. The jitter buffer
 * must see it (its sequence number is no loss), the depacketizer must not (it would put the empty
 * packet at the head of the next frame and corrupt it), so the depacketizer is told the number was
 * passed: its own gap check then sees no loss either.
 */
function skipPadding(depacketizer: DepacketizeT, sequenceNumber: number): void {
  (depacketizer as unknown as { lastSeqNum?: number }).lastSeqNum = sequenceNumber;
}
