/**
 * Test pictures built without the code under test: I420 planes written from RGB by the BT.601
 * limited-range formulas, so conversions are checked against independent reference values.
 */
import { chromaHeight, chromaWidth, createI420Frame, type I420Frame } from '../../src/media/frame';

export type RGB = [number, number, number];

export const RED: RGB = [255, 0, 0];
export const GREEN: RGB = [0, 255, 0];
export const BLUE: RGB = [0, 0, 255];
export const WHITE: RGB = [255, 255, 255];
export const GREY: RGB = [128, 128, 128];

/** BT.601 limited range: Y in 16..235, U and V in 16..240 centred on 128. */
function yuv([r, g, b]: RGB): [number, number, number] {
  const y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
  const u = 128 + (-37.797 * r - 74.203 * g + 112 * b) / 255;
  const v = 128 + (112 * r - 93.786 * g - 18.214 * b) / 255;
  return [Math.round(y), Math.round(u), Math.round(v)];
}

/** A frame whose pixel (x, y) has the colour `colourAt(x, y)` (chroma sampled at even x, y). */
export function paintedFrame(
  width: number,
  height: number,
  colourAt: (x: number, y: number) => RGB,
  timestamp = 0,
): I420Frame {
  const frame = createI420Frame(width, height, timestamp);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) frame.y[y * width + x] = yuv(colourAt(x, y))[0];
  const cw = chromaWidth(width);
  for (let cy = 0; cy < chromaHeight(height); cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const [, u, v] = yuv(colourAt(2 * cx, 2 * cy));
      frame.u[cy * cw + cx] = u;
      frame.v[cy * cw + cx] = v;
    }
  }
  return frame;
}

export const solidFrame = (width: number, height: number, colour: RGB, timestamp = 0) =>
  paintedFrame(width, height, () => colour, timestamp);

/** Four quadrants: red top-left, green top-right, blue bottom-left, white bottom-right. */
export const QUADRANTS: RGB[] = [RED, GREEN, BLUE, WHITE];
export function quadrantFrame(width: number, height: number, timestamp = 0): I420Frame {
  return paintedFrame(
    width,
    height,
    (x, y) => QUADRANTS[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)],
    timestamp,
  );
}

/** The RGB of pixel (x, y) of packed pixels with `channels` bytes each. */
export function pixelAt(pixels: ArrayLike<number>, width: number, x: number, y: number, channels = 3): RGB {
  const i = (y * width + x) * channels;
  return [pixels[i], pixels[i + 1], pixels[i + 2]];
}

/** Every channel within `tolerance` of the expected colour. */
export function expectColour(actual: RGB, expected: RGB, tolerance = 4): void {
  const far = actual.some((v, i) => Math.abs(v - expected[i]) > tolerance);
  if (far)
    throw new Error(`colour ${JSON.stringify(actual)} is not within ${tolerance} of ${JSON.stringify(expected)}`);
}
