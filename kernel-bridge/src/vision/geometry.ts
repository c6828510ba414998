/**
 * Resizing and cropping frames: new I420 frames with the source's timestamp. Resizing is swscale's
 * (bilinear); cropping is three plane copies, one memcpy per row, no colour work at all.
 */
import {
  allocI420Buffer,
  checkSize,
  chromaWidth,
  chromaHeight,
  type Frame,
  I420Frame,
  i420Size,
  scaleI420,
} from '../media/frame';
import { checkFrame } from '../media/frame-input';

export interface Size {
  width: number;
  height: number;
}

export interface Rect extends Size {
  x: number;
  y: number;
}

function newFrameBuffer(width: number, height: number): Uint8Array {
  return new Uint8Array(allocI420Buffer(width, height), 0, i420Size(width, height));
}

/** `frame` scaled to `size` (bilinear, natively). */
export function resize(frame: Frame, size: Size): I420Frame {
  checkFrame(frame, 'resize');
  const { width, height } = size ?? ({} as Size);
  checkSize(width, height);
  const out = newFrameBuffer(width, height);
  scaleI420(frame.data, frame.width, frame.height, out, width, height);
  return new I420Frame(width, height, frame.timestamp, out);
}

/**
 * The part of `frame` inside `rect`. I420 stores one U and one V sample per 2x2 pixels, so the
 * corner (x, y) is rounded down to even numbers (the crop may start one pixel up or left of the
 * asked corner, keeping its size); anything else would need resampling the chroma planes.
 * A rectangle reaching outside the frame is an error, not silently clipped.
 */
export function crop(frame: Frame, rect: Rect): I420Frame {
  checkFrame(frame, 'crop');
  const { x: askedX, y: askedY, width, height } = rect ?? ({} as Rect);
  checkSize(width, height);
  if (!Number.isSafeInteger(askedX) || !Number.isSafeInteger(askedY) || askedX < 0 || askedY < 0) {
    throw new RangeError(`crop: x and y must be integers ≥ 0, got ${String(askedX)}, ${String(askedY)}`);
  }
  const x = askedX & ~1;
  const y = askedY & ~1;
  if (x + width > frame.width || y + height > frame.height) {
    throw new RangeError(
      `crop: ${width}x${height} at (${x}, ${y}) does not fit in the ${frame.width}x${frame.height} frame`,
    );
  }
  const out = newFrameBuffer(width, height);
  const result = new I420Frame(width, height, frame.timestamp, out);
  const srcY = frame.width * frame.height;
  const srcC = chromaWidth(frame.width) * chromaHeight(frame.height);
  copyRows(frame.data.subarray(0, srcY), frame.width, x, y, result.y, width, height);
  const [cx, cy, cw, ch] = [x >> 1, y >> 1, chromaWidth(width), chromaHeight(height)];
  const srcCw = chromaWidth(frame.width);
  copyRows(frame.data.subarray(srcY, srcY + srcC), srcCw, cx, cy, result.u, cw, ch);
  copyRows(frame.data.subarray(srcY + srcC, srcY + 2 * srcC), srcCw, cx, cy, result.v, cw, ch);
  return result;
}

/** Copies a width × height window at (x, y) of a plane with row stride `stride` into a tight plane. */
function copyRows(
  src: Uint8Array,
  stride: number,
  x: number,
  y: number,
  dst: Uint8Array,
  width: number,
  height: number,
): void {
  for (let row = 0; row < height; row++) {
    const from = (y + row) * stride + x;
    dst.set(src.subarray(from, from + width), row * width);
  }
}
