/**
 * Opening a node-av CodecContext with its reusable frame and packet, and moving data through it:
 * the set-up every codec of ours shares (live VP8 and Opus in codecs.ts and opus.ts, the recorder's
 * H.264 and Opus in rtc/worker/record-*.ts), written once so that the node-av 6.1.1 crash trap is
 * avoided in one place: private options go in one by one with `setOption` and open2Sync gets null,
 * because a temporary Dictionary given to open2Sync is double-freed when garbage-collected (segfault).
 * Synchronous calls, one AVFrame and one AVPacket per opened codec, reused: no per-frame native
 * allocation.
 */
import { nodeAv, type NodeAvModule } from './native';

type Av = NodeAvModule;
export type AvFrame = InstanceType<Av['Frame']>;
export type AvPacket = InstanceType<Av['Packet']>;
export type AvCodecContext = InstanceType<Av['CodecContext']>;

/** A codec's private option (libvpx `deadline`, libx264 `preset`, ...) and its value. */
type CodecOption = readonly [name: string, value: string | number];

export interface CodecSpec {
  /** FFmpeg's name of the encoder (`av.FF_ENCODER_*`) or decoder (`av.FF_DECODER_*`) to open. */
  codec:
    | { encoder: Parameters<Av['Codec']['findEncoderByName']>[0] }
    | { decoder: Parameters<Av['Codec']['findDecoderByName']>[0] };
  /** How errors name the codec, e.g. 'libopus encoder'. */
  label: string;
  /** Appended to the "FFmpeg has no ..." error: what the codec is needed for. */
  neededFor?: string;
  /** Sets the context's fields (size, formats, rates, flags) before it opens. */
  configure?: (ctx: AvCodecContext, av: Av) => void;
  /** Private options, set with setOption before the context opens. */
  options?: readonly CodecOption[];
  /**
   * Encoders: shapes the reusable input frame (size and pixel format, or samples, sample format and
   * layout); its buffer is then allocated with `frameAlign`. Without it the frame stays empty (the
   * decoders' output frame).
   */
  inputFrame?: (frame: AvFrame, av: Av) => void;
  /** Buffer alignment of the input frame (0: FFmpeg's default). */
  frameAlign?: number;
}

/** An open codec context with the frame and packet it works with; free all three with closeCodec. */
export interface OpenCodec {
  readonly ctx: AvCodecContext;
  readonly frame: AvFrame;
  readonly packet: AvPacket;
}

/** Opens the codec `spec` names; on any failure frees what it made and throws. */
export function openCodec(spec: CodecSpec): OpenCodec {
  const av = nodeAv();
  const c = spec.codec;
  const codec = 'encoder' in c ? av.Codec.findEncoderByName(c.encoder) : av.Codec.findDecoderByName(c.decoder);
  if (!codec) throw new Error(`FFmpeg has no ${spec.label}${spec.neededFor ? ` (needed ${spec.neededFor})` : ''}`);
  const ctx = new av.CodecContext();
  ctx.allocContext3(codec);
  const frame = new av.Frame();
  frame.alloc();
  const packet = new av.Packet();
  packet.alloc();
  const opened: OpenCodec = { ctx, frame, packet };
  try {
    spec.configure?.(ctx, av);
    for (const [k, v] of spec.options ?? []) {
      const r = ctx.setOption(k, v);
      if (r < 0) throw new Error(`${spec.label} option ${k}=${v} rejected (${r})`);
    }
    const ret = ctx.open2Sync(codec, null);
    if (ret < 0) {
      const size = ctx.width > 0 ? ` at ${ctx.width}x${ctx.height}` : '';
      throw new Error(`cannot open the ${spec.label}${size} (${ret})`);
    }
    if (spec.inputFrame) {
      spec.inputFrame(frame, av);
      const gb = frame.getBuffer(spec.frameAlign ?? 0);
      if (gb < 0) throw new Error(`cannot allocate the ${spec.label}'s input frame (${gb})`);
    }
  } catch (e) {
    closeCodec(opened);
    throw e;
  }
  return opened;
}

export function closeCodec(codec: OpenCodec): void {
  codec.ctx.freeContext();
  codec.frame.free();
  codec.packet.free();
}

/**
 * What our I420 video encoders (live VP8, recorded H.264) share: `width` x `height` yuv420p, pts
 * on RTP's 90 kHz clock, 30 fps nominal, no B-frames (each frame's packet comes out at once, in
 * order). Call first in a spec's `configure`.
 */
export function configureI420Encoder(ctx: AvCodecContext, av: Av, width: number, height: number): void {
  ctx.width = width;
  ctx.height = height;
  ctx.pixelFormat = av.AV_PIX_FMT_YUV420P;
  ctx.timeBase = new av.Rational(1, 90000);
  ctx.framerate = new av.Rational(30, 1);
  ctx.maxBFrames = 0;
}

/** The spec's input frame for an I420 encoder of that size (spread into a CodecSpec). */
export function i420InputFrame(width: number, height: number): Pick<CodecSpec, 'inputFrame' | 'frameAlign'> {
  return {
    inputFrame: (frame, av) => {
      frame.width = width;
      frame.height = height;
      frame.format = av.AV_PIX_FMT_YUV420P;
    },
    frameAlign: 32,
  };
}

/**
 * Decodes one packet: each frame it gives goes to `onFrame` (valid only during the call, unref'd
 * after it). Returns the frames received, or a negative FFmpeg error (corrupt data, missing
 * reference).
 */
export function decodePacket(codec: OpenCodec, data: Buffer, onFrame: (frame: AvFrame) => void): number {
  const { ctx, frame, packet } = codec;
  packet.data = data;
  let ret = ctx.sendPacketSync(packet);
  packet.unref();
  if (ret < 0) return ret;
  let n = 0;
  for (;;) {
    ret = ctx.receiveFrameSync(frame);
    if (ret < 0) break;
    try {
      onFrame(frame);
    } finally {
      frame.unref();
    }
    n++;
  }
  const av = nodeAv();
  return ret === av.AVERROR_EAGAIN || ret === av.AVERROR_EOF ? n : ret;
}

/**
 * Takes every packet the encoder has ready: `onPacket` gets its data (a copy, safe to keep) and the
 * packet itself for its other fields (pts, keyframe: valid only during the call). Empty packets
 * are skipped.
 */
export function drainPackets(codec: OpenCodec, onPacket: (data: Buffer, packet: AvPacket) => void): void {
  const { ctx, packet } = codec;
  while (ctx.receivePacketSync(packet) >= 0) {
    try {
      const view = packet.data;
      if (view && view.length) onPacket(Buffer.from(view), packet);
    } finally {
      packet.unref();
    }
  }
}
