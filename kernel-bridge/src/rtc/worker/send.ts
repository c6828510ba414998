/**
 * Outgoing video, main thread -> browser: I420 -> node-av libvpx (realtime) -> Vp8Payloader (ours)
 * -> RTP header -> track.writeRtp. werift only forwards RTP packets we build, so sequence numbers,
 * timestamps and the payload type are ours to set: the payload type is the one the browser's offer
 * gave VP8 (read after negotiation; Chrome and Firefox do not use the same number).
 *
 * A keyframe goes out first, after (re)connecting and whenever the browser sends a PLI; libvpx's own
 * keyframe interval is long (see Vp8EncoderOptions), so PLIs are what recover a lossy stream.
 *
 * The streamer's quality controls arrive as EncoderCaps (setCaps): frames above the frame-rate
 * cap are skipped, frames over the size caps are scaled down (swscale) before encoding, and a new
 * target bitrate re-creates the encoder. All from the next frame, without renegotiation.
 *
 * The bitrate actually used follows the browser's feedback on our stream (`feedback`, fed by
 * send-feedback.ts): rtc/send-rate.ts lowers it under loss and raises it back up to the cap (the
 * bitrate setting, or the encoder's default for the size).
 *
 * The encoder is made at the first frame to send: a sendonly stream (browser -> kernel only) never
 * sends one, so it never opens libvpx (WorkerStats.encoder_opens stays 0, which tests check).
 */
import type { MediaStreamTrack as Track } from 'werift';
import { defaultVp8Bitrate, Vp8Encoder } from '../../media/codecs';
import { allocI420Buffer, i420Size, releaseScalers, scaleI420 } from '../../media/frame';
import type { EncoderCaps } from '../protocol';
import { SendRate } from '../send-rate';
import { Vp8Payloader } from '../vp8-payloader';
import { fitWithin, FrameRateGate } from './caps';
import { playoutDelayPayload } from '../playout-delay';
import type { Recorders } from './record';
import type { SendFeedback } from './send-feedback';
import { RtpClock, type RtpMapping } from './rtp-clock';
import { reportCaptureTime, type SenderReportClock } from './sender-report';
import type { WorkerStats } from './stats';

const werift = require('werift') as typeof import('werift');

/** Where encoded frames go: the negotiated send track, payload type (VP8 or Opus) and extension ids. */
export interface RtpOut {
  track: Track;
  payloadType: number;
  /** The playout-delay extension's id when negotiated (see rtc/playout-delay.ts). */
  playoutDelayId?: number;
  /** The werift sender whose RTCP sender reports get the capture time (sender-report.ts, lip sync). */
  reportClock?: SenderReportClock;
}

/** Where encoded frames go over the kernel transport instead: each whole VP8 frame, its capture time (ms) and whether it is a keyframe. */
export type ChunkOut = (frame: Buffer, timestamp: number, key: boolean) => void;

/** Show each frame as soon as it is decoded (rtc/playout-delay.ts); one shared, never-changed payload. */
const NO_PLAYOUT_DELAY = playoutDelayPayload(0, 0);

export interface SenderOptions {
  bitrate: number | undefined;
  encoderThreads: number | undefined;
  maxPayload: number | undefined;
  stats: WorkerStats;
  /** Recordings of the output: they get each frame before encoding and each VP8 frame (record.ts). */
  recorders?: Recorders;
  /** The RTP clock's mapping changed (first frame, or a shift): rare, so posted as it happens. */
  onRtpMapping?: (mapping: RtpMapping) => void;
}

/** Least time between two posted RTP clock mappings, ms (see send()). */
const MAPPING_INTERVAL_MS = 500;

export class Sender {
  /** Made at the first frame sent (see the file comment). */
  private encoder: Vp8Encoder | null = null;
  private readonly payloader: Vp8Payloader;
  private readonly clock = new RtpClock();
  /** The shift last told through onRtpMapping (NaN: nothing told yet). */
  private toldShift = NaN;
  /** When it was told (performance.now() ms). */
  private toldAt = -Infinity;
  private seq = Math.floor(Math.random() * 0x10000);
  private keyframeWanted = true;
  private caps: EncoderCaps = { maxWidth: null, maxHeight: null, maxFps: null, bitrate: null };
  private readonly frameRate = new FrameRateGate();
  /** Where frames over the size caps are scaled to; reused while the size stays. */
  private scaled = new Uint8Array(0);
  /** The encoder's bitrate under the browser's feedback; made at the first frame (its cap may need the size). */
  private rate: SendRate | undefined;
  /** The browser's loss reports and REMB on our stream (peer.ts): the bitrate follows from the next frame. */
  readonly feedback: SendFeedback = {
    onReceiverReport: (lost, highestSeq) => this.rate?.onReceiverReport(lost, highestSeq, performance.now()),
    onRemb: (bps) => this.rate?.onRemb(bps, performance.now()),
  };

  constructor(private readonly opts: SenderOptions) {
    this.payloader = new Vp8Payloader(opts.maxPayload);
  }

  /** Applies the caps from the next frame on (a bitrate change re-creates the encoder: a keyframe). */
  setCaps(caps: EncoderCaps): void {
    if (caps.maxFps !== this.caps.maxFps) this.frameRate.cap = caps.maxFps;
    this.caps = caps;
  }

  /** Whether a frame arriving now is sent under the frame-rate cap; a skipped one counts as dropped before the encoder (dropped_send). */
  admit(nowMs = performance.now()): boolean {
    if (this.frameRate.admit(nowMs)) return true;
    this.opts.stats.dropped_send++;
    return false;
  }

  /** The next frame is encoded as a keyframe. */
  forceKeyframe(): void {
    this.keyframeWanted = true;
  }

  /** Encodes one tight I420 image (scaled down first when over the size caps) and writes its RTP packets to `out`. */
  send(width: number, height: number, timestamp: number, data: Uint8Array, out: RtpOut | ChunkOut): void {
    const t0 = performance.now();
    const fit = fitWithin(width, height, this.caps.maxWidth, this.caps.maxHeight);
    if (fit.width !== width || fit.height !== height) {
      const size = i420Size(fit.width, fit.height);
      if (this.scaled.byteLength < size) this.scaled = new Uint8Array(allocI420Buffer(fit.width, fit.height), 0, size);
      scaleI420(data, width, height, this.scaled, fit.width, fit.height);
      ({ width, height } = fit);
      data = this.scaled.subarray(0, size);
    }
    const rtpTs = this.clock.rtpTimestamp(timestamp);
    // a number compared per frame; the mapping is made and posted only on a change, at most every
    // MAPPING_INTERVAL_MS (timestamps that never increase shift the clock at every frame)
    const shift = this.clock.shiftTicks;
    if (shift !== this.toldShift && !(t0 - this.toldAt < MAPPING_INTERVAL_MS)) {
      this.toldShift = shift;
      this.toldAt = t0;
      this.opts.onRtpMapping?.(this.clock.mapping);
    }
    const key = this.keyframeWanted;
    this.keyframeWanted = false;
    const { stats, recorders } = this.opts;
    if (recorders?.wants('output', 'frames')) recorders.outputFrame(data, width, height, timestamp);
    const cap = this.caps.bitrate ?? this.opts.bitrate ?? defaultVp8Bitrate(width, height);
    if (this.rate) this.rate.setCap(cap, t0);
    else this.rate = new SendRate(cap);
    const encoder = (this.encoder ??= new Vp8Encoder({
      bitrate: this.rate.bitrate,
      threads: this.opts.encoderThreads,
    }));
    encoder.setBitrate(this.rate.bitrate);
    encoder.encode(data, width, height, this.clock.lastTicks, key, (packet, isKey) => {
      stats.encoded++;
      recorders?.outputPacket(packet, timestamp);
      if (typeof out === 'function') {
        out(packet, timestamp, isKey);
        stats.sent++;
        return;
      }
      // one array for all the frame's packets: werift copies it and leaves it unchanged
      const extensions =
        out.playoutDelayId === undefined ? [] : [{ id: out.playoutDelayId, payload: NO_PLAYOUT_DELAY }];
      for (const { payload, marker } of this.payloader.packetize(packet)) {
        const header = new werift.RtpHeader({
          sequenceNumber: this.seq,
          timestamp: rtpTs,
          marker,
          payloadType: out.payloadType,
          extensions,
        });
        this.seq = (this.seq + 1) & 0xffff;
        out.track.writeRtp(new werift.RtpPacket(header, payload));
      }
      // counted once every packet of the frame went out (writeRtp throws otherwise)
      stats.sent++;
      reportCaptureTime(out.reportClock, this.clock.lastCaptureMs);
    });
    stats.encoder_opens = encoder.opens;
    stats.encodeMs += performance.now() - t0;
  }

  close(): void {
    this.encoder?.close();
    releaseScalers();
  }
}
