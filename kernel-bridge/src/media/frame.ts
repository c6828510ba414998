/**
 * Video frames: I420 (YUV 4:2:0 planar, BT.601 limited range, as VP8/WebRTC use), tightly packed:
 * Y (width*height), then U and V (ceil(width/2)*ceil(height/2) each).
 *
 * Colour conversions use FFmpeg's swscale through node-av (native, SIMD), never JS pixel loops.
 */
import { MIME_BUNDLE, type MimeBundle } from '../kernel/api';
import { frameMimeBundle } from './png';
import { frameSlack, releaseScalers, swsConvert } from './swscale';

export interface Frame {
  readonly width: number;
  readonly height: number;
  /** Capture time in milliseconds (incoming: from the RTP timestamp; outgoing: sets it). */
  readonly timestamp: number;
  /** I420 pixels, tightly packed Y then U then V; exactly i420Size(width, height) bytes. */
  readonly data: Uint8Array;
  /** Views into `data`. */
  readonly y: Uint8Array;
  readonly u: Uint8Array;
  readonly v: Uint8Array;
  /** RGBA, width*height*4 bytes. Writes into `out` when given (must be that size). */
  toRGBA(out?: Uint8Array): Uint8Array;
}

export function chromaWidth(width: number): number {
  return (width + 1) >> 1;
}
export function chromaHeight(height: number): number {
  return (height + 1) >> 1;
}
/** Bytes of a tightly packed I420 image. */
export function i420Size(width: number, height: number): number {
  return width * height + 2 * chromaWidth(width) * chromaHeight(height);
}

/** Largest accepted frame side; guards against absurd allocations from bad input. */
const MAX_FRAME_SIDE = 8192;

/**
 * Most pixels of a frame decoded from a browser's stream: DCI 4K (4096x2160), the largest a camera
 * behind getUserMedia delivers. VP8 itself allows 16383x16383 (400 MB of I420); a peer sending that,
 * or a side over MAX_FRAME_SIDE (which I420Frame refuses), must cost one dropped frame, not the
 * stream. Bounds one decode buffer to ~13 MB.
 */
const MAX_DECODED_PIXELS = 4096 * 2160;

/** Why a decoded frame of this size is not accepted, or null when it is (see MAX_DECODED_PIXELS). */
export function decodedSizeProblem(width: number, height: number): string | null {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    return `invalid frame size ${width}x${height}`;
  }
  if (width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE) {
    return `frame size ${width}x${height} has a side over ${MAX_FRAME_SIDE}`;
  }
  if (width * height > MAX_DECODED_PIXELS) {
    return `frame size ${width}x${height} has more than ${MAX_DECODED_PIXELS} pixels`;
  }
  return null;
}

/** Throws a RangeError unless width × height is a size a frame may have (1..MAX_FRAME_SIDE, integers). */
export function checkSize(width: number, height: number): void {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width > MAX_FRAME_SIDE ||
    height > MAX_FRAME_SIDE
  ) {
    throw new RangeError(`invalid frame size ${width}x${height}`);
  }
}

/** A buffer for an I420 image of this size, with slack (see frameSlack). */
export function allocI420Buffer(width: number, height: number): ArrayBuffer {
  return new ArrayBuffer(i420Size(width, height) + frameSlack(width));
}

export class I420Frame implements Frame {
  readonly y: Uint8Array;
  readonly u: Uint8Array;
  readonly v: Uint8Array;

  /** Wraps `data` (no copy). `data` must hold at least i420Size(width, height) bytes. */
  constructor(
    readonly width: number,
    readonly height: number,
    readonly timestamp: number,
    readonly data: Uint8Array,
  ) {
    checkSize(width, height);
    const size = i420Size(width, height);
    if (!ArrayBuffer.isView(data) || data.byteLength < size) {
      throw new RangeError(`I420 ${width}x${height} needs ${size} bytes, got ${data?.byteLength ?? 'none'}`);
    }
    if (data.byteLength > size) this.data = data = data.subarray(0, size);
    const ySize = width * height;
    const cSize = chromaWidth(width) * chromaHeight(height);
    this.y = data.subarray(0, ySize);
    this.u = data.subarray(ySize, ySize + cSize);
    this.v = data.subarray(ySize + cSize, ySize + 2 * cSize);
  }

  toRGBA(out?: Uint8Array): Uint8Array {
    return i420ToRGBA(this, out);
  }

  toString(): string {
    return `I420Frame ${this.width}x${this.height} @${this.timestamp.toFixed(1)}ms`;
  }

  /** A frame shows itself as a PNG picture (`display(frame)`, or a cell's last expression). */
  [MIME_BUNDLE](): MimeBundle {
    return frameMimeBundle(this);
  }
}

/**
 * A new I420 frame. Without `data` it is black (Y=16, U=V=128); with `data` it wraps it (no copy).
 * Write pixels through frame.y / frame.u / frame.v (row stride = width, chromaWidth(width)).
 */
export function createI420Frame(width: number, height: number, timestamp = 0, data?: Uint8Array): I420Frame {
  checkSize(width, height);
  if (data) return new I420Frame(width, height, timestamp, data);
  const size = i420Size(width, height);
  const buf = new Uint8Array(allocI420Buffer(width, height), 0, size);
  buf.fill(16, 0, width * height);
  buf.fill(128, width * height, size);
  return new I420Frame(width, height, timestamp, buf);
}

/** An I420 frame converted (natively) from RGBA pixels (width*height*4 bytes, row stride width*4). */
export function frameFromRGBA(width: number, height: number, rgba: Uint8Array, timestamp = 0): I420Frame {
  checkSize(width, height);
  if (!ArrayBuffer.isView(rgba) || rgba.byteLength < width * height * 4) {
    throw new RangeError(`RGBA ${width}x${height} needs ${width * height * 4} bytes`);
  }
  const size = i420Size(width, height);
  const out = new Uint8Array(allocI420Buffer(width, height), 0, size);
  rgbaToI420(width, height, rgba, out);
  return new I420Frame(width, height, timestamp, out);
}

function rgbaToI420(width: number, height: number, rgba: Uint8Array, out: Uint8Array): void {
  swsConvert(rgba, 'rgba', width, height, out, 'i420', width, height);
}

function i420ToRGBA(frame: Frame, out?: Uint8Array): Uint8Array {
  const { width, height } = frame;
  const n = width * height * 4;
  if (out && out.byteLength < n) throw new RangeError(`toRGBA: out needs ${n} bytes`);
  const dst = out ?? new Uint8Array(n);
  swsConvert(framePlanes(frame), 'i420', width, height, dst, 'rgba', width, height);
  return dst;
}

/**
 * Scales a tight I420 image (srcWidth × srcHeight) into `out`, a tight I420 image of
 * dstWidth × dstHeight (at least i420Size of it): natively, with the swscale context cached per
 * pair of sizes. The media worker uses it to send frames under a resolution cap.
 */
export function scaleI420(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  out: Uint8Array,
  dstWidth: number,
  dstHeight: number,
): void {
  checkSize(srcWidth, srcHeight);
  checkSize(dstWidth, dstHeight);
  if (src.byteLength < i420Size(srcWidth, srcHeight)) throw new RangeError('scaleI420: short source buffer');
  if (out.byteLength < i420Size(dstWidth, dstHeight)) throw new RangeError('scaleI420: short destination buffer');
  swsConvert(src, 'i420', srcWidth, srcHeight, out, 'i420', dstWidth, dstHeight);
}

/** A frame's Y, U and V planes (from its views, or cut from `data` for a plain Frame-shaped object). */
export function framePlanes(f: Frame): Uint8Array[] {
  const ySize = f.width * f.height;
  const c = chromaWidth(f.width) * chromaHeight(f.height);
  return [
    f.y ?? f.data.subarray(0, ySize),
    f.u ?? f.data.subarray(ySize, ySize + c),
    f.v ?? f.data.subarray(ySize + c, ySize + 2 * c),
  ];
}

export { releaseScalers };
