/**
 * A frame's pixels in the packed layouts models and libraries take: RGB, BGR (OpenCV's order), RGBA
 * (canvas, ImageData) and 8-bit gray (luma in full range 0..255). swscale does the conversion; pass
 * `out` (exactly width * height * channels bytes or more) to reuse one buffer across frames.
 */
import type { Frame } from '../media/frame';
import { framePlanes } from '../media/frame';
import { layoutSize, type PixelLayout, swsConvert } from '../media/swscale';
import { checkFrame } from '../media/frame-input';

function convert(frame: Frame, layout: PixelLayout, what: string, out?: Uint8Array): Uint8Array {
  checkFrame(frame, what);
  const { width, height } = frame;
  const size = layoutSize(layout, width, height);
  if (out !== undefined && (!(out instanceof Uint8Array) || out.byteLength < size)) {
    throw new RangeError(`${what}: out must be a Uint8Array of at least ${size} bytes for ${width}x${height}`);
  }
  const dst = out ? out.subarray(0, size) : new Uint8Array(size);
  swsConvert(framePlanes(frame), 'i420', width, height, dst, layout, width, height);
  return dst;
}

/** Packed R, G, B bytes, row by row (width * height * 3). */
export const toRGB = (frame: Frame, out?: Uint8Array): Uint8Array => convert(frame, 'rgb24', 'toRGB', out);
/** Packed B, G, R bytes (OpenCV's channel order), width * height * 3. */
export const toBGR = (frame: Frame, out?: Uint8Array): Uint8Array => convert(frame, 'bgr24', 'toBGR', out);
/** Packed R, G, B, A bytes (A = 255), width * height * 4: what a canvas's ImageData holds. */
export const toRGBA = (frame: Frame, out?: Uint8Array): Uint8Array => convert(frame, 'rgba', 'toRGBA', out);
/** One luma byte per pixel, stretched from video range (16..235) to 0..255, width * height. */
export const toGray = (frame: Frame, out?: Uint8Array): Uint8Array => convert(frame, 'gray8', 'toGray', out);
