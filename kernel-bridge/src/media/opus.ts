/**
 * Opus decode/encode with node-av (FFmpeg's libopus), the audio counterpart of codecs.ts: WebRTC
 * audio is Opus, one RTP packet = one Opus packet (20 ms from browsers). Synchronous calls, one
 * reused AVPacket/AVFrame each; meant for the media worker thread. PCM is float32 interleaved
 * (AudioFrame's format), which libopus reads and writes directly: no sample conversion.
 */
import { closeCodec, decodePacket, drainPackets, openCodec, type AvFrame, type OpenCodec } from './codec-context';
import { nodeAv, type NodeAvModule } from './native';

/** WebRTC's Opus clock and decode rate (RFC 7587: always 48 kHz on the wire). */
export const OPUS_SAMPLE_RATE = 48000;
/** Samples per channel in one 20 ms frame at 48 kHz: what we encode and what browsers send. */
export const OPUS_FRAME_SAMPLES = 960;

function layout(av: NodeAvModule, channels: number) {
  return {
    nbChannels: channels,
    order: av.AV_CHANNEL_ORDER_NATIVE,
    mask: channels === 1 ? av.AV_CH_LAYOUT_MONO : av.AV_CH_LAYOUT_STEREO,
  };
}

export class OpusDecoder {
  private codec: OpenCodec | null;
  /** The current decode call's callback and its frames delivered (set per call: no closure per packet). */
  private onPcm: ((pcm: Float32Array, samples: number) => void) | null = null;
  private delivered = 0;

  /** `channels`: what every decoded frame has (libopus down- or up-mixes the packets to it). */
  constructor(readonly channels: 1 | 2 = 1) {
    const codec = openCodec({
      codec: { decoder: nodeAv().FF_DECODER_LIBOPUS },
      label: 'libopus decoder',
      configure: (ctx, av) => {
        ctx.sampleRate = OPUS_SAMPLE_RATE;
        ctx.channelLayout = layout(av, channels);
      },
      options: [['request_sample_fmt', 'flt']],
    });
    if (codec.ctx.sampleFormat !== nodeAv().AV_SAMPLE_FMT_FLT) {
      closeCodec(codec);
      throw new Error('the Opus decoder does not output float samples');
    }
    this.codec = codec;
  }

  /**
   * Decodes one Opus packet. `onFrame` gets each decoded frame's interleaved samples (a view valid
   * only during the call) and its samples per channel. Returns the frames produced, or a negative
   * FFmpeg error (corrupt packet).
   */
  decode(data: Buffer, onFrame: (pcm: Float32Array, samples: number) => void): number {
    const codec = this.codec;
    if (!codec) throw new Error('Opus decoder closed');
    this.onPcm = onFrame;
    this.delivered = 0;
    try {
      const ret = decodePacket(codec, data, this.deliver);
      return ret < 0 ? ret : this.delivered;
    } finally {
      this.onPcm = null;
    }
  }

  private readonly deliver = (frame: AvFrame): void => {
    const samples = frame.nbSamples;
    const plane = frame.data?.[0];
    if (plane && samples > 0) {
      this.onPcm!(new Float32Array(plane.buffer, plane.byteOffset, samples * this.channels), samples);
      this.delivered++;
    }
  };

  close(): void {
    if (this.codec) closeCodec(this.codec);
    this.codec = null;
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
  private codec: OpenCodec | null;
  readonly channels: 1 | 2;

  constructor(options: OpusEncoderOptions) {
    const channels = (this.channels = options.channels);
    this.codec = openCodec({
      codec: { encoder: nodeAv().FF_ENCODER_LIBOPUS },
      label: 'libopus encoder',
      configure: (ctx, av) => {
        ctx.sampleRate = OPUS_SAMPLE_RATE;
        ctx.sampleFormat = av.AV_SAMPLE_FMT_FLT;
        ctx.channelLayout = layout(av, channels);
        ctx.timeBase = new av.Rational(1, OPUS_SAMPLE_RATE);
        ctx.bitRate = BigInt(options.bitrate ?? 64_000);
      },
      // lowdelay: no speech/music look-ahead (the least added latency); 20 ms frames, as browsers send.
      options: [
        ['application', 'lowdelay'],
        ['frame_duration', 20],
      ],
      inputFrame: (frame, av) => {
        frame.nbSamples = OPUS_FRAME_SAMPLES;
        frame.format = av.AV_SAMPLE_FMT_FLT;
        frame.sampleRate = OPUS_SAMPLE_RATE;
        frame.channelLayout = layout(av, channels);
      },
    });
  }

  /**
   * Encodes one 20 ms frame: `pcm` holds OPUS_FRAME_SAMPLES * channels interleaved samples.
   * `pts` in samples. `onPacket` gets each Opus packet (a copy, safe to keep).
   */
  encode(pcm: Float32Array, pts: number, onPacket: (data: Buffer) => void): void {
    const codec = this.codec;
    if (!codec) throw new Error('Opus encoder closed');
    if (pcm.length !== OPUS_FRAME_SAMPLES * this.channels) {
      throw new RangeError(`an Opus frame needs ${OPUS_FRAME_SAMPLES * this.channels} samples, got ${pcm.length}`);
    }
    const frame = codec.frame;
    const w = frame.makeWritable();
    if (w < 0) throw new Error(`Opus encoder frame not writable (${w})`);
    const plane = frame.data?.[0];
    if (!plane) throw new Error('Opus encoder frame has no buffer');
    new Float32Array(plane.buffer, plane.byteOffset, pcm.length).set(pcm);
    frame.pts = BigInt(Math.round(pts));
    const ret = codec.ctx.sendFrameSync(frame);
    if (ret < 0) throw new Error(`Opus encode failed (${ret})`);
    drainPackets(codec, onPacket);
  }

  close(): void {
    if (this.codec) closeCodec(this.codec);
    this.codec = null;
  }
}
