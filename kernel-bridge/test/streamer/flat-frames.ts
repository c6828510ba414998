/**
 * Flat test pictures for the streamer tests: a fake browser sends frames of one luma level and
 * reads the level back from the centre of what the kernel returns (VP8 keeps a flat picture flat
 * to within a few levels, so tests compare with a tolerance).
 */
import { createI420Frame } from '../../src/media';

/** The test streams' size. */
export const W = 160;
export const H = 120;

/** An I420 W×H picture of one luma level, grey chroma. */
export function level(value: number): Uint8Array {
  const frame = createI420Frame(W, H);
  frame.y.fill(value);
  frame.u.fill(128);
  frame.v.fill(128);
  return frame.data;
}

/** The luma at the centre of a W×H frame. */
export const lumaOf = (frame: { data: Uint8Array }) => frame.data[Math.floor((W * H) / 2) + W / 2];
