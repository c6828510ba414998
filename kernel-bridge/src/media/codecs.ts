/**
 * VP8 decode/encode with node-av (FFmpeg: native `vp8` decoder, `libvpx` encoder), synchronous
 * calls, one reused AVFrame/AVPacket each: no per-frame native allocation. Meant to run inside the
 * media worker thread (it blocks while coding).
 */
import { chromaHeight, chromaWidth, i420Size } from './frame';
import { nodeAv, type NodeAvModule } from './native';

type Av = NodeAvModule;
type AvFrame = InstanceType<Av['Frame']>;
type AvPacket = InstanceType<Av['Packet']>;
type AvCodecContext = InstanceType<Av['CodecContext']>;

/** Copies the planes of a decoded yuv420p AVFrame (with strides) into tight I420 `dst`. */
export function copyAvFrameToI420(frame: AvFrame, dst: Uint8Array): void {
  copyPlanes(frame, frame.width, frame.height, dst, 'toI420', 'decoded frame');
}

/** Copies tight I420 `src` into the (strided) planes of a writable AVFrame. */
function copyI420ToAvFrame(src: Uint8Array, w: number, h: number, frame: AvFrame): void {
  copyPlanes(frame, w, h, src, 'toFrame', 'encoder frame');
}

/** Tight I420 <-> an AVFrame's strided planes: one memcpy per plane when tight, else one per row. */
function copyPlanes(
  frame: AvFrame,
  w: number,
  h: number,
  i420: Uint8Array,
  to: 'toI420' | 'toFrame',
  what: string,
): void {
  const planes = frame.data;
  const strides = frame.linesize;
  if (!planes || planes.length < 3) throw new Error(`${what} has no planes`);
  let off = 0;
  for (let p = 0; p < 3; p++) {
    const pw = p === 0 ? w : chromaWidth(w);
    const ph = p === 0 ? h : chromaHeight(h);
    const plane = planes[p];
    const stride = strides[p];
    const tight = stride === pw;
    const len = tight ? pw * ph : pw;
    for (let r = 0, at = 0; r < (tight ? 1 : ph); r++, at += stride, off += len) {
      if (to === 'toI420') i420.set(plane.subarray(at, at + len), off);
      else plane.set(i420.subarray(off, off + len), at);
    }
  }
}

export class Vp8Decoder {
  private readonly av = nodeAv();
  private ctx: AvCodecContext | null = null;
  private readonly packet: AvPacket;
  private readonly frame: AvFrame;

  constructor(private readonly threads = 1) {
    this.packet = new this.av.Packet();
    this.packet.alloc();
    this.frame = new this.av.Frame();
    this.frame.alloc();
    this.open();
  }

  private open(): void {
    const av = this.av;
    const codec = av.Codec.findDecoder(av.AV_CODEC_ID_VP8);
    if (!codec) throw new Error('FFmpeg has no VP8 decoder');
    const ctx = new av.CodecContext();
    ctx.allocContext3(codec);
    ctx.threadCount = this.threads;
    const ret = ctx.open2Sync(codec, null);
    if (ret < 0) throw new Error(`cannot open VP8 decoder (${ret})`);
    this.ctx = ctx;
  }

  /**
   * Decodes one VP8 frame. `onFrame` gets the decoded AVFrame, valid only during the call.
   * Returns the number of frames produced, or a negative FFmpeg error (corrupt data, missing
   * reference: ask the sender for a keyframe).
   */
  decode(data: Buffer, onFrame: (frame: AvFrame) => void): number {
    const ctx = this.ctx;
    if (!ctx) throw new Error('decoder closed');
    this.packet.data = data;
    let ret = ctx.sendPacketSync(this.packet);
    this.packet.unref();
    if (ret < 0) return ret;
    let n = 0;
    for (;;) {
      ret = ctx.receiveFrameSync(this.frame);
      if (ret < 0) break;
      try {
        // Decoded frames flagged corrupt (missing reference) are still shown by browsers; we
        // deliver them too but report the error so the caller requests a keyframe.
        onFrame(this.frame);
      } finally {
        this.frame.unref();
      }
      n++;
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

export interface Vp8EncoderOptions {
  /** Target bitrate in bit/s; default 0.1 bit per pixel per frame at 30 fps. */
  bitrate?: number;
  /** libvpx threads; default 1 (2 threads measured 5-20x slower on a busy 2-core machine). */
  threads?: number;
  /** libvpx cpu-used; must be negative (positive turns on auto speed: 70-180 ms spikes). Default -8. */
  cpuUsed?: number;
  /** Keyframe at least every N frames (keyframes are mainly sent on PLI). Default 3000. */
  keyframeInterval?: number;
}

export class Vp8Encoder {
  private readonly av = nodeAv();
  private ctx: AvCodecContext | null = null;
  private frame: AvFrame | null = null;
  private readonly packet: AvPacket;
  private width = 0;
  private height = 0;
  private lastPts = -1;
  /** The target bitrate, bit/s; undefined = scaled with the size (see Vp8EncoderOptions). */
  private bitrate: number | undefined;
  /** Re-initialisations because the input size changed. */
  reinits = 0;
  /** libvpx encoders opened so far (first frame, size and bitrate changes). */
  opens = 0;

  constructor(private readonly options: Vp8EncoderOptions = {}) {
    this.packet = new this.av.Packet();
    this.packet.alloc();
    this.bitrate = options.bitrate;
  }

  /**
   * Changes the target bitrate (bit/s; undefined = the default for the size). libvpx's rate
   * control is set when the encoder opens, so the encoder is re-created at the next frame, which
   * is then a keyframe (the decoder needs nothing from before it).
   */
  setBitrate(bitrate: number | undefined): void {
    if (bitrate === this.bitrate) return;
    this.bitrate = bitrate;
    this.release();
  }

  get size(): { width: number; height: number } {
    return { width: this.width, height: this.height };
  }

  private open(width: number, height: number): void {
    this.release();
    const av = this.av;
    const codec = av.Codec.findEncoderByName(av.FF_ENCODER_LIBVPX_VP8);
    if (!codec) throw new Error('FFmpeg has no libvpx (VP8) encoder');
    const ctx = new av.CodecContext();
    ctx.allocContext3(codec);
    ctx.width = width;
    ctx.height = height;
    ctx.pixelFormat = av.AV_PIX_FMT_YUV420P;
    ctx.timeBase = new av.Rational(1, 90000);
    ctx.framerate = new av.Rational(30, 1);
    const bitrate = this.bitrate ?? Math.max(200_000, Math.round(width * height * 30 * 0.1));
    ctx.bitRate = BigInt(bitrate);
    ctx.gopSize = this.options.keyframeInterval ?? 3000;
    ctx.maxBFrames = 0;
    ctx.threadCount = this.options.threads ?? 1;
    // Options via setOption + open2Sync(codec, null): a temporary Dictionary passed to open2Sync
    // is double-freed by node-av 6.1.1 when garbage-collected (segfault).
    const opts: [string, string | number][] = [
      ['deadline', 'realtime'],
      ['cpu-used', Math.min(-1, this.options.cpuUsed ?? -8)],
      ['lag-in-frames', 0],
      ['error-resilient', 1],
      ['auto-alt-ref', 0],
    ];
    for (const [k, v] of opts) {
      const r = ctx.setOption(k, v);
      if (r < 0) throw new Error(`libvpx option ${k}=${v} rejected (${r})`);
    }
    const ret = ctx.open2Sync(codec, null);
    if (ret < 0) {
      ctx.freeContext();
      throw new Error(`cannot open libvpx encoder ${width}x${height} (${ret})`);
    }
    const frame = new av.Frame();
    frame.alloc();
    frame.width = width;
    frame.height = height;
    frame.format = av.AV_PIX_FMT_YUV420P;
    const gb = frame.getBuffer(32);
    if (gb < 0) {
      frame.free();
      ctx.freeContext();
      throw new Error(`cannot allocate encoder frame (${gb})`);
    }
    this.ctx = ctx;
    this.frame = frame;
    this.opens++;
    this.width = width;
    this.height = height;
  }

  /**
   * Encodes one tight I420 image. The encoder is (re)created when the size changes (the first
   * frame at a new size is a keyframe). `pts90k` is the RTP-clock time (must increase; fixed up
   * if not). `onPacket` gets each encoded frame (a copy, safe to keep).
   */
  encode(
    i420: Uint8Array,
    width: number,
    height: number,
    pts90k: number,
    forceKeyframe: boolean,
    onPacket: (data: Buffer, keyframe: boolean) => void,
  ): void {
    if (i420.byteLength < i420Size(width, height)) throw new RangeError('short I420 buffer');
    if (width !== this.width || height !== this.height || !this.ctx) {
      if (this.ctx) this.reinits++;
      this.open(width, height);
    }
    const ctx = this.ctx!;
    const frame = this.frame!;
    const av = this.av;
    const w = frame.makeWritable();
    if (w < 0) throw new Error(`encoder frame not writable (${w})`);
    copyI420ToAvFrame(i420, width, height, frame);
    const pts = Math.max(Math.round(pts90k), this.lastPts + 1);
    this.lastPts = pts;
    frame.pts = BigInt(pts);
    frame.pictType = forceKeyframe ? av.AV_PICTURE_TYPE_I : av.AV_PICTURE_TYPE_NONE;
    let ret = ctx.sendFrameSync(frame);
    if (ret < 0) throw new Error(`VP8 encode failed (${ret})`);
    for (;;) {
      ret = ctx.receivePacketSync(this.packet);
      if (ret < 0) break;
      const view = this.packet.data;
      const data = view && view.length ? Buffer.from(view) : null; // copy before unref
      const key = this.packet.isKeyframe;
      this.packet.unref();
      if (data) onPacket(data, key);
    }
  }

  private release(): void {
    this.ctx?.freeContext();
    this.ctx = null;
    this.frame?.free();
    this.frame = null;
    this.width = this.height = 0;
  }

  close(): void {
    this.release();
    this.packet.free();
  }
}
