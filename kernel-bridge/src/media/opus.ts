/**
 * Opus decode/encode with node-av (FFmpeg's libopus), the audio counterpart of codecs.ts: WebRTC
 * audio is Opus, one RTP packet = one Opus packet (20 ms from browsers). Synchronous calls, one
 * reused AVPacket/AVFrame each; meant for the media worker thread. PCM is float32 interleaved
 * (AudioFrame's format), which libopus reads and writes directly: no sample conversion.
 */
import { nodeAv, type NodeAvModule } from './native';

type Av = NodeAvModule;
type AvFrame = InstanceType<Av['Frame']>;
type AvPacket = InstanceType<Av['Packet']>;
type AvCodecContext = InstanceType<Av['CodecContext']>;

/** WebRTC's Opus clock and decode rate (RFC 7587: always 48 kHz on the wire). */
export const OPUS_SAMPLE_RATE = 48000;
/** Samples per channel in one 20 ms frame at 48 kHz: what we encode and what browsers send. */
export const OPUS_FRAME_SAMPLES = 960;

function layout(av: Av, channels: number) {
  return {
    nbChannels: channels,
    order: av.AV_CHANNEL_ORDER_NATIVE,
    mask: channels === 1 ? av.AV_CH_LAYOUT_MONO : av.AV_CH_LAYOUT_STEREO,
  };
}

/** Sets codec options one by one (a temporary Dictionary given to open2Sync crashes node-av 6.1.1). */
function setOptions(ctx: AvCodecContext, options: [string, string | number][], what: string): void {
  for (const [k, v] of options) {
    const r = ctx.setOption(k, v);
    if (r < 0) throw new Error(`${what} option ${k}=${v} rejected (${r})`);
  }
}

export class OpusDecoder {
  private readonly av = nodeAv();
  private ctx: AvCodecContext | null;
  private readonly packet: AvPacket;
  private readonly frame: AvFrame;

  /** `channels`: what every decoded frame has (libopus down- or up-mixes the packets to it). */
  constructor(readonly channels: 1 | 2 = 1) {
    const av = this.av;
    const codec = av.Codec.findDecoderByName(av.FF_DECODER_LIBOPUS);
    if (!codec) throw new Error('FFmpeg has no libopus decoder');
    const ctx = new av.CodecContext();
    ctx.allocContext3(codec);
    ctx.sampleRate = OPUS_SAMPLE_RATE;
    ctx.channelLayout = layout(av, channels);
    setOptions(ctx, [['request_sample_fmt', 'flt']], 'libopus decoder');
    const ret = ctx.open2Sync(codec, null);
    if (ret < 0) {
      ctx.freeContext();
      throw new Error(`cannot open the Opus decoder (${ret})`);
    }
    if (ctx.sampleFormat !== av.AV_SAMPLE_FMT_FLT) {
      ctx.freeContext();
      throw new Error('the Opus decoder does not output float samples');
    }
    this.ctx = ctx;
    this.packet = new av.Packet();
    this.packet.alloc();
    this.frame = new av.Frame();
    this.frame.alloc();
  }

  /**
   * Decodes one Opus packet. `onFrame` gets each decoded frame's interleaved samples (a view valid
   * only during the call) and its samples per channel. Returns the frames produced, or a negative
   * FFmpeg error (corrupt packet).
   */
  decode(data: Buffer, onFrame: (pcm: Float32Array, samples: number) => void): number {
    const ctx = this.ctx;
    if (!ctx) throw new Error('Opus decoder closed');
    this.packet.data = data;
    let ret = ctx.sendPacketSync(this.packet);
    this.packet.unref();
    if (ret < 0) return ret;
    let n = 0;
    for (;;) {
      ret = ctx.receiveFrameSync(this.frame);
      if (ret < 0) break;
      try {
        const samples = this.frame.nbSamples;
        const plane = this.frame.data?.[0];
        if (plane && samples > 0) {
          onFrame(new Float32Array(plane.buffer, plane.byteOffset, samples * this.channels), samples);
          n++;
        }
      } finally {
        this.frame.unref();
      }
    }
    return ret === this.av.AVERROR_EAGAIN || ret === this.av.AVERROR_EOF ? n : ret;
  }

  close(): void {
    this.ctx?.freeContext();
    this.ctx = null;
    this.packet.free();
    this.frame.free();
  }
}

export interface OpusEncoderOptions {
  /** 1 or 2. */
  channels: 1 | 2;
  /** Target bitrate, bit/s (default 64 kbit/s: transparent speech and decent music). */
  bitrate?: number;
}

/** Encodes 20 ms frames (OPUS_FRAME_SAMPLES per channel) of interleaved float32 PCM at 48 kHz. */
export class OpusEncoder {
  private readonly av = nodeAv();
  private ctx: AvCodecContext | null;
  private readonly frame: AvFrame;
  private readonly packet: AvPacket;
  readonly channels: 1 | 2;

  constructor(options: OpusEncoderOptions) {
    const av = this.av;
    this.channels = options.channels;
    const codec = av.Codec.findEncoderByName(av.FF_ENCODER_LIBOPUS);
    if (!codec) throw new Error('FFmpeg has no libopus encoder');
    const ctx = new av.CodecContext();
    ctx.allocContext3(codec);
    ctx.sampleRate = OPUS_SAMPLE_RATE;
    ctx.sampleFormat = av.AV_SAMPLE_FMT_FLT;
    ctx.channelLayout = layout(av, this.channels);
    ctx.timeBase = new av.Rational(1, OPUS_SAMPLE_RATE);
    ctx.bitRate = BigInt(options.bitrate ?? 64_000);
    // lowdelay: no speech/music look-ahead (the least added latency); 20 ms frames, as browsers send.
    setOptions(
      ctx,
      [
        ['application', 'lowdelay'],
        ['frame_duration', 20],
      ],
      'libopus encoder',
    );
    const ret = ctx.open2Sync(codec, null);
    if (ret < 0) {
      ctx.freeContext();
      throw new Error(`cannot open the Opus encoder (${ret})`);
    }
    const frame = new av.Frame();
    frame.alloc();
    frame.nbSamples = OPUS_FRAME_SAMPLES;
    frame.format = av.AV_SAMPLE_FMT_FLT;
    frame.sampleRate = OPUS_SAMPLE_RATE;
    frame.channelLayout = layout(av, this.channels);
    const gb = frame.getBuffer(0);
    if (gb < 0) {
      frame.free();
      ctx.freeContext();
      throw new Error(`cannot allocate the Opus encoder frame (${gb})`);
    }
    this.ctx = ctx;
    this.frame = frame;
    this.packet = new av.Packet();
    this.packet.alloc();
  }

  /**
   * Encodes one 20 ms frame: `pcm` holds OPUS_FRAME_SAMPLES * channels interleaved samples.
   * `pts` in samples. `onPacket` gets each Opus packet (a copy, safe to keep).
   */
  encode(pcm: Float32Array, pts: number, onPacket: (data: Buffer) => void): void {
    const ctx = this.ctx;
    if (!ctx) throw new Error('Opus encoder closed');
    if (pcm.length !== OPUS_FRAME_SAMPLES * this.channels) {
      throw new RangeError(`an Opus frame needs ${OPUS_FRAME_SAMPLES * this.channels} samples, got ${pcm.length}`);
    }
    const w = this.frame.makeWritable();
    if (w < 0) throw new Error(`Opus encoder frame not writable (${w})`);
    const plane = this.frame.data?.[0];
    if (!plane) throw new Error('Opus encoder frame has no buffer');
    new Float32Array(plane.buffer, plane.byteOffset, pcm.length).set(pcm);
    this.frame.pts = BigInt(Math.round(pts));
    let ret = ctx.sendFrameSync(this.frame);
    if (ret < 0) throw new Error(`Opus encode failed (${ret})`);
    for (;;) {
      ret = ctx.receivePacketSync(this.packet);
      if (ret < 0) break;
      const view = this.packet.data;
      const data = view && view.length ? Buffer.from(view) : null; // copy before unref
      this.packet.unref();
      if (data) onPacket(data);
    }
  }

  close(): void {
    this.ctx?.freeContext();
    this.ctx = null;
    this.frame.free();
    this.packet.free();
  }
}
