/**
 * Incoming audio, browser -> main thread: track.onReceiveRtp -> Opus decode (one RTP packet is one
 * Opus packet, no depacketizer or jitter buffer needed: the transform wants every frame at once,
 * and the browser's own jitter buffer smooths what we send back) -> float32 AudioFrame (48 kHz,
 * mono) -> posted to the main thread, the buffer transferred.
 *
 * Flow control: a bounded queue, not latest-first (every 20 ms frame matters). At most
 * AUDIO_IN_FLIGHT frames are posted and not yet delivered; beyond that new frames are dropped and
 * counted (only a main thread blocked for ~0.3 s gets there).
 */
import type { MediaStreamTrack as Track, RtpPacket as RtpPacketT } from 'werift';
import type { AudioFrame } from '../../media/audio-frame';
import { OPUS_SAMPLE_RATE, OpusDecoder } from '../../media/opus';
import { AUDIO_IN_FLIGHT, type FromWorker } from '../protocol';
import { Cleanup } from './cleanup';
import { CaptureClock } from './rtp-clock';
import type { WorkerStats } from './stats';

/** Channels we decode to: browsers send the microphone as mono (libopus downmixes stereo packets). */
const DECODE_CHANNELS = 1;

export interface AudioReceiverOptions {
  post: (msg: FromWorker, transfer?: ArrayBuffer[]) => void;
  onError: (e: unknown) => void;
  stats: WorkerStats;
  /**
   * Sees every decoded input frame before it goes to the main thread (e.g. a recording of the
   * input). The frame's data is transferred right after: copy what you keep.
   */
  tap?: (frame: AudioFrame) => void;
}

export class AudioReceiver {
  private decoder: OpusDecoder | null = null;
  private readonly clock = new CaptureClock(Date.now, OPUS_SAMPLE_RATE);
  private readonly cleanup = new Cleanup();
  private inFlight = 0;
  /** One decode error was reported (a stream of them would flood the log). */
  private reportedFailure = false;
  private closed = false;

  constructor(private readonly opts: AudioReceiverOptions) {}

  /** Starts decoding the browser's audio track: its packets with Opus's `payloadType` (others are not audio we know). */
  attach(track: Track, payloadType: number): void {
    if (this.closed) return;
    const sub = track.onReceiveRtp.subscribe((rtp: RtpPacketT) => {
      if (rtp.header.payloadType === payloadType) this.onPacket(rtp);
    });
    this.cleanup.add(() => sub.unSubscribe());
  }

  /**
   * Kernel transport instead of a track: one Opus packet the browser captured at `timestamp` (ms on
   * this process's wall clock, the video's clock: chunk-clock.ts).
   */
  decodeChunk(data: Buffer, timestamp: number): void {
    if (this.closed) return;
    this.opts.stats.audio.received++;
    this.decodePacket(data, timestamp);
  }

  /** The main thread delivered `n` more frames: as many may be posted again. */
  ack(n: number): void {
    this.inFlight = Math.max(0, this.inFlight - n);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cleanup.run('audio receiver cleanup', this.opts.onError);
    this.decoder?.close();
    this.decoder = null;
  }

  private onPacket(rtp: RtpPacketT): void {
    if (this.closed) return;
    const { stats } = this.opts;
    stats.audio.received++;
    this.clock.anchor(rtp.header.timestamp);
    this.decodePacket(rtp.payload, this.clock.captureTimeMs(rtp.header.timestamp));
  }

  private decodePacket(payload: Buffer, timestamp: number): void {
    try {
      this.decoder ??= new OpusDecoder(DECODE_CHANNELS);
      const ret = this.decoder.decode(payload, (pcm, samples) => this.deliver(pcm, samples, timestamp));
      if (ret <= 0) this.failed(`could not decode an Opus packet from the browser (${ret})`);
    } catch (e) {
      this.failed(e);
    }
  }

  private deliver(pcm: Float32Array, samples: number, timestamp: number): void {
    const { stats } = this.opts;
    stats.audio.decoded++;
    // The tap (a recording) sees every decoded frame, before the main thread's bound: a cell that
    // blocks the kernel must not cut holes in a recording's audio (the video taps come first too).
    // It copies what it keeps, so FFmpeg's reused frame can be lent to it.
    if (this.opts.tap) {
      this.opts.tap({ sampleRate: OPUS_SAMPLE_RATE, channels: DECODE_CHANNELS, samples, timestamp, data: pcm });
    }
    if (this.inFlight >= AUDIO_IN_FLIGHT) {
      stats.audio.dropped_worker++;
      return;
    }
    // one small copy out of FFmpeg's frame (it is reused for the next packet)
    const data = pcm.slice();
    this.inFlight++;
    const buffer = data.buffer as ArrayBuffer;
    this.opts.post(
      { t: 'audio', sampleRate: OPUS_SAMPLE_RATE, channels: DECODE_CHANNELS, samples, timestamp, buffer },
      [buffer],
    );
  }

  private failed(e: unknown): void {
    this.opts.stats.audio.decode_failed++;
    if (this.reportedFailure) return;
    this.reportedFailure = true;
    this.opts.onError(e instanceof Error ? `audio: ${e.message}` : `audio: ${String(e)}`);
  }
}
