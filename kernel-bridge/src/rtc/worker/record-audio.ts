/**
 * The audio track of a recording: AudioFrames (media/audio-frame.ts, float32 interleaved, 48 kHz,
 * as WebRTC's Opus decodes) -> a 20 ms FIFO -> libopus -> packets for the file's audio stream.
 * Opus in both containers (WebM's codec, and FFmpeg's MP4 muxer takes it too), always stereo (a
 * mono frame is duplicated into both channels) so the stream's parameters are known before the
 * first audio frame: the file's header goes out with its first video frame. Low-level
 * CodecContext, for the reason in record-h264.ts.
 */
import type { AudioFrame } from '../../media/audio-frame';
import { nodeAv, type NodeAvModule } from '../../media/native';

type Av = NodeAvModule;
type AvCodecContext = InstanceType<Av['CodecContext']>;
type AvCodecParameters = InstanceType<Av['CodecParameters']>;

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
  private readonly av = nodeAv();
  private readonly ctx: AvCodecContext;
  private readonly frame: InstanceType<Av['Frame']>;
  private readonly packet: InstanceType<Av['Packet']>;
  private readonly fifo = new Float32Array(OPUS_FRAME * 2);
  private filled = 0;
  /** Time (samples) of the FIFO's first sample; undefined until the first frame. */
  private fifoStart: number | undefined;
  private closed = false;

  constructor() {
    const av = this.av;
    const codec = av.Codec.findEncoderByName(av.FF_ENCODER_LIBOPUS);
    if (!codec) throw new Error('FFmpeg has no libopus encoder (needed to record audio)');
    const ctx = new av.CodecContext();
    ctx.allocContext3(codec);
    ctx.sampleRate = RECORD_SAMPLE_RATE;
    ctx.sampleFormat = av.AV_SAMPLE_FMT_FLT;
    ctx.channelLayout = av.AV_CHANNEL_LAYOUT_STEREO;
    ctx.timeBase = new av.Rational(1, RECORD_SAMPLE_RATE);
    ctx.bitRate = 64_000n;
    ctx.setFlags(av.AV_CODEC_FLAG_GLOBAL_HEADER);
    const ret = ctx.open2Sync(codec, null);
    if (ret < 0) {
      ctx.freeContext();
      throw new Error(`cannot open the Opus encoder (${ret})`);
    }
    this.ctx = ctx;
    this.frame = new av.Frame();
    this.frame.alloc();
    this.frame.nbSamples = OPUS_FRAME;
    this.frame.format = av.AV_SAMPLE_FMT_FLT;
    this.frame.channelLayout = av.AV_CHANNEL_LAYOUT_STEREO;
    this.frame.sampleRate = RECORD_SAMPLE_RATE;
    const gb = this.frame.getBuffer(0);
    this.packet = new av.Packet();
    this.packet.alloc();
    if (gb < 0) {
      this.close();
      throw new Error(`cannot allocate an Opus input frame (${gb})`);
    }
  }

  describe(par: AvCodecParameters): void {
    const ret = par.fromContext(this.ctx);
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
    if (this.ctx.sendFrameSync(null) >= 0) this.drain(onPacket);
  }

  /** Encodes a partly filled FIFO, padded with silence. */
  private padOut(onPacket: (p: OpusPacket) => void): void {
    if (this.filled === 0) return;
    this.fifo.fill(0, this.filled * 2);
    this.encodeFifo(onPacket);
  }

  private encodeFifo(onPacket: (p: OpusPacket) => void): void {
    const frame = this.frame;
    if (frame.makeWritable() < 0) throw new Error('Opus input frame not writable');
    frame.data![0].set(new Uint8Array(this.fifo.buffer, 0, this.fifo.byteLength));
    frame.pts = BigInt(this.fifoStart!);
    this.fifoStart! += OPUS_FRAME;
    this.filled = 0;
    const ret = this.ctx.sendFrameSync(frame);
    if (ret < 0) throw new Error(`Opus encode failed (${ret})`);
    this.drain(onPacket);
  }

  private drain(onPacket: (p: OpusPacket) => void): void {
    while (this.ctx.receivePacketSync(this.packet) >= 0) {
      const view = this.packet.data;
      const p = view && view.length ? { data: Buffer.from(view), pts: Number(this.packet.pts) } : null;
      this.packet.unref();
      if (p) onPacket(p);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.freeContext();
    this.frame.free();
    this.packet?.free();
  }
}
