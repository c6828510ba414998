/**
 * Outgoing audio, main thread -> browser: AudioFrames of any length -> a FIFO of 20 ms -> node-av
 * libopus -> one RTP packet per Opus frame -> track.writeRtp.
 *
 * RTP timestamps count samples (what Opus receivers expect: 960 per 20 ms frame, no jitter from
 * rounding ms), anchored at the capture time of the first frame (AudioFrame.timestamp, the clock
 * of Frame.timestamp) with the same random-offset scheme as video; a frame whose timestamp is more
 * than RESYNC_MS away from where the count has got to (a pause, a source that jumped) re-anchors
 * it. The sender reports carry the capture time (sender-report.ts), so the browser lip-syncs our
 * audio with our video.
 */
import type { AudioFrame } from '../../media/audio-frame';
import { OPUS_FRAME_SAMPLES, OPUS_SAMPLE_RATE, OpusEncoder } from '../../media/opus';
import type { RtpOut } from './send';
import { reportCaptureTime } from './sender-report';
import type { WorkerStats } from './stats';

const werift = require('werift') as typeof import('werift');

/** Re-anchor the RTP clock when a frame's timestamp is this far from the sample count's time, ms. */
const RESYNC_MS = 60;
const WRAP = 0x100000000;
const SAMPLES_PER_MS = OPUS_SAMPLE_RATE / 1000;

/** Kernel transport: where an encoded Opus packet (20 ms, captured at `timestamp` ms) goes instead of RTP. */
export type AudioChunkOut = (packet: Buffer, timestamp: number) => void;

export interface AudioSenderOptions {
  stats: WorkerStats;
  onError: (e: unknown) => void;
  /** Sees every output frame accepted for encoding (e.g. a recording of the output); do not keep its data. */
  tap?: (frame: AudioFrame) => void;
}

export class AudioSender {
  private encoder: OpusEncoder | null = null;
  private fifo = new Float32Array(0);
  private filled = 0;
  private channels = 0;
  /** Capture time (ms) of the sample at the FIFO's start; NaN until the first frame. */
  private fifoStartMs = NaN;
  /** Samples encoded since the anchor, and the RTP timestamp (unwrapped, before offset) of the anchor. */
  private anchorTicks = -1;
  private anchorMs = 0;
  private lastTicks = -1;
  private readonly offset = Math.floor(Math.random() * WRAP);
  private seq = Math.floor(Math.random() * 0x10000);
  private marker = true;
  /** Distinct problems reported once each (a source sending 44.1 kHz would repeat it 50 times a second). */
  private readonly reported = new Set<string>();

  constructor(private readonly opts: AudioSenderOptions) {}

  /**
   * Queues one frame for sending (48 kHz, 1 or 2 channels, interleaved) and sends every full 20 ms
   * it completes. Without `out` (not connected, no audio negotiated) the frame is counted dropped.
   */
  send(frame: AudioFrame, out: RtpOut | AudioChunkOut | undefined): void {
    const { stats } = this.opts;
    if (!out) {
      stats.audio.dropped_send++;
      return;
    }
    if (frame.sampleRate !== OPUS_SAMPLE_RATE || (frame.channels !== 1 && frame.channels !== 2)) {
      stats.audio.dropped_send++;
      this.reportOnce(
        `audio to send must be ${OPUS_SAMPLE_RATE} Hz, 1 or 2 channels (got ${frame.sampleRate} Hz, ${frame.channels}): frames dropped`,
      );
      return;
    }
    this.opts.tap?.(frame);
    if (frame.channels !== this.channels) this.reopen(frame.channels as 1 | 2);
    const expectedMs = this.fifoStartMs + this.filled / SAMPLES_PER_MS;
    if (!(Math.abs(frame.timestamp - expectedMs) <= RESYNC_MS)) {
      // first frame, or a jump: start counting from this frame (what is queued is dropped, <20 ms)
      this.filled = 0;
      this.fifoStartMs = frame.timestamp;
      this.anchorTicks = -1;
    }
    const perFrame = OPUS_FRAME_SAMPLES * this.channels;
    let from = 0;
    while (from < frame.data.length) {
      const n = Math.min(perFrame - this.filled, frame.data.length - from);
      this.fifo.set(frame.data.subarray(from, from + n), this.filled);
      this.filled += n;
      from += n;
      if (this.filled === perFrame) this.encodeFifo(out);
    }
  }

  close(): void {
    this.encoder?.close();
    this.encoder = null;
  }

  private reopen(channels: 1 | 2): void {
    this.encoder?.close();
    this.encoder = null;
    this.encoder = new OpusEncoder({ channels });
    this.channels = channels;
    this.fifo = new Float32Array(OPUS_FRAME_SAMPLES * channels);
    this.filled = 0;
    this.fifoStartMs = NaN;
  }

  /** Encodes the full FIFO (20 ms starting at fifoStartMs) and writes its RTP packet. */
  private encodeFifo(out: RtpOut | AudioChunkOut): void {
    const { stats } = this.opts;
    const captureMs = this.fifoStartMs;
    const ticks = this.ticksFor(captureMs);
    this.filled = 0;
    this.fifoStartMs = captureMs + OPUS_FRAME_SAMPLES / SAMPLES_PER_MS;
    try {
      this.encoder!.encode(this.fifo, ticks, (payload) => {
        stats.audio.encoded++;
        if (typeof out === 'function') {
          out(payload, captureMs);
          stats.audio.sent++;
          return;
        }
        const header = new werift.RtpHeader({
          sequenceNumber: this.seq,
          timestamp: (ticks + this.offset) % WRAP,
          marker: this.marker,
          payloadType: out.payloadType,
        });
        this.marker = false;
        this.seq = (this.seq + 1) & 0xffff;
        out.track.writeRtp(new werift.RtpPacket(header, payload));
        reportCaptureTime(out.reportClock, captureMs);
        stats.audio.sent++;
      });
    } catch (e) {
      stats.audio.dropped_send++;
      this.reportOnce(`audio encode: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The RTP time (48 kHz, unwrapped, before the offset) of a 20 ms frame starting at `captureMs`. */
  private ticksFor(captureMs: number): number {
    let ticks: number;
    if (this.anchorTicks < 0) {
      ticks = Math.max(Math.round(captureMs * SAMPLES_PER_MS), this.lastTicks + OPUS_FRAME_SAMPLES);
      this.anchorTicks = ticks;
      this.anchorMs = captureMs;
      this.marker = true;
    } else {
      ticks = this.anchorTicks + Math.round((captureMs - this.anchorMs) * SAMPLES_PER_MS);
    }
    this.lastTicks = ticks;
    return ticks;
  }

  private reportOnce(message: string): void {
    if (this.reported.has(message) || this.reported.size > 8) return;
    this.reported.add(message);
    this.opts.onError(message);
  }
}
