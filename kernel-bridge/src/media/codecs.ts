/**
 * VP8 decode/encode with node-av (FFmpeg: native `vp8` decoder, `libvpx` encoder), synchronous
 * calls, one reused AVFrame/AVPacket each: no per-frame native allocation. Meant to run inside the
 * media worker thread (it blocks while coding).
 */
import {
  closeCodec,
  configureI420Encoder,
  decodePacket,
  drainPackets,
  i420InputFrame,
  openCodec,
  type AvFrame,
  type OpenCodec,
} from './codec-context';
import { chromaHeight, chromaWidth, i420Size } from './frame';
import { nodeAv } from './native';

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
  private codec: OpenCodec | null;

  constructor(threads = 1) {
    this.codec = openCodec({
      // FFmpeg's native decoder (what findDecoder(AV_CODEC_ID_VP8) picks), not libvpx's.
      codec: { decoder: nodeAv().FF_DECODER_VP8 },
      label: 'VP8 decoder',
      configure: (ctx) => {
        ctx.threadCount = threads;
      },
    });
  }

  /**
   * Decodes one VP8 frame. `onFrame` gets the decoded AVFrame, valid only during the call.
   * Returns the number of frames produced, or a negative FFmpeg error (corrupt data, missing
   * reference: ask the sender for a keyframe). Decoded frames flagged corrupt (missing reference)
   * are still shown by browsers; we deliver them too but report the error so the caller requests
   * a keyframe.
   */
  decode(data: Buffer, onFrame: (frame: AvFrame) => void): number {
    if (!this.codec) throw new Error('decoder closed');
    return decodePacket(this.codec, data, onFrame);
  }

  close(): void {
    if (this.codec) closeCodec(this.codec);
    this.codec = null;
  }
}

/** The target bitrate when none is set, bit/s: 0.1 bit per pixel per frame at 30 fps, at least 200 kbit/s. */
export function defaultVp8Bitrate(width: number, height: number): number {
  return Math.max(200_000, Math.round(width * height * 30 * 0.1));
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
  private codec: OpenCodec | null = null;
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
    const bitrate = this.bitrate ?? defaultVp8Bitrate(width, height);
    const { keyframeInterval = 3000, threads = 1, cpuUsed = -8 } = this.options;
    this.codec = openCodec({
      codec: { encoder: nodeAv().FF_ENCODER_LIBVPX_VP8 },
      label: 'libvpx (VP8) encoder',
      configure: (ctx, av) => {
        configureI420Encoder(ctx, av, width, height);
        ctx.bitRate = BigInt(bitrate);
        ctx.gopSize = keyframeInterval;
        ctx.threadCount = threads;
      },
      options: [
        ['deadline', 'realtime'],
        ['cpu-used', Math.min(-1, cpuUsed)],
        ['lag-in-frames', 0],
        ['error-resilient', 1],
        ['auto-alt-ref', 0],
      ],
      ...i420InputFrame(width, height),
    });
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
    if (width !== this.width || height !== this.height || !this.codec) {
      if (this.codec) this.reinits++;
      this.open(width, height);
    }
    const codec = this.codec!;
    const frame = codec.frame;
    const av = nodeAv();
    const w = frame.makeWritable();
    if (w < 0) throw new Error(`encoder frame not writable (${w})`);
    copyI420ToAvFrame(i420, width, height, frame);
    const pts = Math.max(Math.round(pts90k), this.lastPts + 1);
    this.lastPts = pts;
    frame.pts = BigInt(pts);
    frame.pictType = forceKeyframe ? av.AV_PICTURE_TYPE_I : av.AV_PICTURE_TYPE_NONE;
    const ret = codec.ctx.sendFrameSync(frame);
    if (ret < 0) throw new Error(`VP8 encode failed (${ret})`);
    drainPackets(codec, (data, packet) => onPacket(data, packet.isKeyframe));
  }

  private release(): void {
    if (this.codec) closeCodec(this.codec);
    this.codec = null;
    this.width = this.height = 0;
  }

  close(): void {
    this.release();
  }
}
