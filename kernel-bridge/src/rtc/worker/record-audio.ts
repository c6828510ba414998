/**
 * The audio track of a recording: AudioFrames (media/audio-frame.ts, float32 interleaved, 48 kHz,
 * as WebRTC's Opus decodes) -> a 20 ms FIFO -> libopus -> packets for the file's audio stream.
 * Opus in both containers (WebM's codec, and FFmpeg's MP4 muxer takes it too), always stereo (a
 * mono frame is duplicated into both channels) so the stream's parameters are known before the
 * first audio frame: the file's header goes out with its first video frame. Low-level
 * CodecContext, for the reason in record-h264.ts.
 */
import type { AudioFrame } from '../../media/audio-frame';
import { closeCodec, drainPackets, openCodec, type OpenCodec } from '../../media/codec-context';
import { nodeAv, type NodeAvModule } from '../../media/native';

type AvCodecParameters = InstanceType<NodeAvModule['CodecParameters']>;

/** The only rate recorded (WebRTC's Opus); frames at another rate are refused (no resampler here). */
export const RECORD_SAMPLE_RATE = 48000;
/** Samples per channel of one Opus frame (20 ms). */
const OPUS_FRAME = 960;
/** A jump in the frames' times beyond this (samples) restarts the FIFO there instead of running on. */
const MAX_GAP = RECORD_SAMPLE_RATE / 10;

/** An encoded Opus frame; `pts` in samples (1/48000 s) on the caller's clock. */
export interface OpusPacket {
  data: Buffer;
  pts: number;
}

export class OpusTrackEncoder {
  private readonly codec: OpenCodec;
  private readonly fifo = new Float32Array(OPUS_FRAME * 2);
  private filled = 0;
  /** Time (samples) of the FIFO's first sample; undefined until the first frame. */
  private fifoStart: number | undefined;
  private closed = false;

  constructor() {
    this.codec = openCodec({
      codec: { encoder: nodeAv().FF_ENCODER_LIBOPUS },
      label: 'libopus encoder',
      neededFor: 'to record audio',
      configure: (ctx, av) => {
        ctx.sampleRate = RECORD_SAMPLE_RATE;
        ctx.sampleFormat = av.AV_SAMPLE_FMT_FLT;
        ctx.channelLayout = av.AV_CHANNEL_LAYOUT_STEREO;
        ctx.timeBase = new av.Rational(1, RECORD_SAMPLE_RATE);
        ctx.bitRate = 64_000n;
        ctx.setFlags(av.AV_CODEC_FLAG_GLOBAL_HEADER);
      },
      inputFrame: (frame, av) => {
        frame.nbSamples = OPUS_FRAME;
        frame.format = av.AV_SAMPLE_FMT_FLT;
        frame.channelLayout = av.AV_CHANNEL_LAYOUT_STEREO;
        frame.sampleRate = RECORD_SAMPLE_RATE;
      },
    });
  }

  describe(par: AvCodecParameters): void {
    const ret = par.fromContext(this.codec.ctx);
    if (ret < 0) throw new Error(`cannot read the Opus encoder's parameters (${ret})`);
  }

  /** Adds a frame whose first sample is at `at` (samples); whole 20 ms frames go to `onPacket`. */
  push(frame: AudioFrame, at: number, onPacket: (p: OpusPacket) => void): void {
    if (frame.sampleRate !== RECORD_SAMPLE_RATE) {
      throw new Error(`audio at ${frame.sampleRate} Hz: recordings take ${RECORD_SAMPLE_RATE} Hz`);
    }
    const expected = this.fifoStart === undefined ? undefined : this.fifoStart + this.filled;
    if (expected === undefined || Math.abs(at - expected) > MAX_GAP) {
      this.padOut(onPacket);
      this.fifoStart = at;
      this.filled = 0;
    }
    const { data, channels, samples } = frame;
    for (let s = 0; s < samples; s++) {
      const left = data[s * channels];
      this.fifo[this.filled * 2] = left;
      this.fifo[this.filled * 2 + 1] = channels > 1 ? data[s * channels + 1] : left;
      if (++this.filled === OPUS_FRAME) this.encodeFifo(onPacket);
    }
  }

  /** The end: encodes what the FIFO holds (padded with silence) and what the encoder still holds. */
  flush(onPacket: (p: OpusPacket) => void): void {
    this.padOut(onPacket);
    if (this.codec.ctx.sendFrameSync(null) >= 0) this.drain(onPacket);
  }

  /** Encodes a partly filled FIFO, padded with silence. */
  private padOut(onPacket: (p: OpusPacket) => void): void {
    if (this.filled === 0) return;
    this.fifo.fill(0, this.filled * 2);
    this.encodeFifo(onPacket);
  }

  private encodeFifo(onPacket: (p: OpusPacket) => void): void {
    const frame = this.codec.frame;
    if (frame.makeWritable() < 0) throw new Error('Opus input frame not writable');
    frame.data![0].set(new Uint8Array(this.fifo.buffer, 0, this.fifo.byteLength));
    frame.pts = BigInt(this.fifoStart!);
    this.fifoStart! += OPUS_FRAME;
    this.filled = 0;
    const ret = this.codec.ctx.sendFrameSync(frame);
    if (ret < 0) throw new Error(`Opus encode failed (${ret})`);
    this.drain(onPacket);
  }

  private drain(onPacket: (p: OpusPacket) => void): void {
    drainPackets(this.codec, (data, packet) => onPacket({ data, pts: Number(packet.pts) }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeCodec(this.codec);
  }
}
