/**
 * H.264 for MP4 recordings (MP4 cannot carry VP8): tight I420 -> libx264 packets, with the codec
 * parameters (SPS/PPS as global extradata, which MP4 keeps in its header) for the muxer's stream.
 * Low-level CodecContext with setOption, like media/codecs.ts: node-av 6.1.1's high-level Encoder
 * with `options` crashes at exit (its temporary Dictionary is double-freed; checked with libx264).
 * Settings are for a recorder sharing a worker with the live codecs: ultrafast, zerolatency (no
 * lookahead, no B-frames: each frame's packet comes out at once, nothing is held back at stop),
 * one thread, a keyframe every 2 s at 30 fps so the file seeks.
 */
import { nodeAv, type NodeAvModule } from '../../media/native';
import { chromaHeight, chromaWidth } from '../../media/frame';

type Av = NodeAvModule;
type AvFrame = InstanceType<Av['Frame']>;
type AvPacket = InstanceType<Av['Packet']>;
type AvCodecContext = InstanceType<Av['CodecContext']>;
type AvCodecParameters = InstanceType<Av['CodecParameters']>;

/** One encoded frame, copied out of FFmpeg (pts and dts in 1/90000 s). */
export interface H264Packet {
  data: Buffer;
  pts: number;
  dts: number;
  keyframe: boolean;
}

export class H264Encoder {
  private readonly av = nodeAv();
  private readonly ctx: AvCodecContext;
  private readonly frame: AvFrame;
  private readonly packet: AvPacket;
  private closed = false;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const av = this.av;
    const codec = av.Codec.findEncoderByName(av.FF_ENCODER_LIBX264);
    if (!codec) throw new Error('FFmpeg has no libx264 encoder (needed for MP4 recordings)');
    const ctx = new av.CodecContext();
    ctx.allocContext3(codec);
    ctx.width = width;
    ctx.height = height;
    ctx.pixelFormat = av.AV_PIX_FMT_YUV420P;
    ctx.timeBase = new av.Rational(1, 90000);
    ctx.framerate = new av.Rational(30, 1);
    ctx.gopSize = 60;
    ctx.maxBFrames = 0;
    ctx.threadCount = 1;
    ctx.setFlags(av.AV_CODEC_FLAG_GLOBAL_HEADER);
    for (const [k, v] of [
      ['preset', 'ultrafast'],
      ['tune', 'zerolatency'],
      ['crf', '23'],
    ]) {
      const r = ctx.setOption(k, v);
      if (r < 0) throw new Error(`libx264 option ${k}=${v} rejected (${r})`);
    }
    const ret = ctx.open2Sync(codec, null);
    if (ret < 0) {
      ctx.freeContext();
      throw new Error(`cannot open libx264 ${width}x${height} (${ret})`);
    }
    this.ctx = ctx;
    this.frame = new av.Frame();
    this.frame.alloc();
    this.frame.width = width;
    this.frame.height = height;
    this.frame.format = av.AV_PIX_FMT_YUV420P;
    const gb = this.frame.getBuffer(32);
    if (gb < 0) {
      this.close();
      throw new Error(`cannot allocate an H.264 input frame (${gb})`);
    }
    this.packet = new av.Packet();
    this.packet.alloc();
  }

  /** Writes the encoder's parameters (codec, size, extradata) into a stream's `codecpar`. */
  describe(par: AvCodecParameters): void {
    const ret = par.fromContext(this.ctx);
    if (ret < 0) throw new Error(`cannot read the H.264 encoder's parameters (${ret})`);
  }

  /** Encodes one tight I420 image of the encoder's size at `pts90k` (increasing); packets go to `onPacket`. */
  encode(i420: Uint8Array, pts90k: number, onPacket: (p: H264Packet) => void): void {
    const frame = this.frame;
    const w = frame.makeWritable();
    if (w < 0) throw new Error(`H.264 input frame not writable (${w})`);
    const planes = frame.data;
    const strides = frame.linesize;
    if (!planes || planes.length < 3) throw new Error('H.264 input frame has no planes');
    let off = 0;
    for (let p = 0; p < 3; p++) {
      const pw = p === 0 ? this.width : chromaWidth(this.width);
      const ph = p === 0 ? this.height : chromaHeight(this.height);
      for (let r = 0; r < ph; r++, off += pw) planes[p].set(i420.subarray(off, off + pw), r * strides[p]);
    }
    frame.pts = BigInt(pts90k);
    const ret = this.ctx.sendFrameSync(frame);
    if (ret < 0) throw new Error(`H.264 encode failed (${ret})`);
    this.drain(onPacket);
  }

  /** Encodes what the encoder still holds (nothing with zerolatency, but the end of a file must not depend on that). */
  flush(onPacket: (p: H264Packet) => void): void {
    if (this.ctx.sendFrameSync(null) >= 0) this.drain(onPacket);
  }

  private drain(onPacket: (p: H264Packet) => void): void {
    for (;;) {
      if (this.ctx.receivePacketSync(this.packet) < 0) return;
      const view = this.packet.data;
      const p: H264Packet | null =
        view && view.length
          ? {
              data: Buffer.from(view),
              pts: Number(this.packet.pts),
              dts: Number(this.packet.dts),
              keyframe: this.packet.isKeyframe,
            }
          : null;
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
