/** @jest-environment ./test/media/native-env.js */
import { chromaWidth, createI420Frame } from '../../src/media/frame';
import { crop, resize, toRGB } from '../../src/vision';
import { expectColour, pixelAt, QUADRANTS, quadrantFrame } from './patches';

/** The colour at the centre of each quadrant of packed RGB pixels. */
function quadrantCentres(rgb: Uint8Array, width: number, height: number) {
  const xs = [Math.floor(width / 4), Math.floor((3 * width) / 4)];
  const ys = [Math.floor(height / 4), Math.floor((3 * height) / 4)];
  return [
    pixelAt(rgb, width, xs[0], ys[0]),
    pixelAt(rgb, width, xs[1], ys[0]),
    pixelAt(rgb, width, xs[0], ys[1]),
    pixelAt(rgb, width, xs[1], ys[1]),
  ];
}

describe('resize', () => {
  it.each([
    [32, 24],
    [128, 96],
    [40, 40],
  ])('keeps the quadrant colours at %ix%i, and the timestamp', (width, height) => {
    const source = quadrantFrame(64, 48, 1234.5);
    const out = resize(source, { width, height });
    expect([out.width, out.height, out.timestamp]).toEqual([width, height, 1234.5]);
    expect(out.data.byteLength).toBe(width * height * 1.5);
    quadrantCentres(toRGB(out), width, height).forEach((c, i) => expectColour(c, QUADRANTS[i], 6));
    expect(out.data.buffer).not.toBe(source.data.buffer);
  });

  it('refuses a bad size', () => {
    const source = quadrantFrame(16, 16);
    expect(() => resize(source, { width: 0, height: 8 })).toThrow(/invalid frame size/);
    expect(() => resize(source, { width: 8.5, height: 8 })).toThrow(/invalid frame size/);
    expect(() => resize('frame' as never, { width: 8, height: 8 })).toThrow(/resize: expected an I420 frame/);
  });
});

describe('crop', () => {
  /** Every sample holds a value made from its plane and position, so copies are checked exactly. */
  function numbered(width: number, height: number) {
    const frame = createI420Frame(width, height, 77);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) frame.y[y * width + x] = (x * 3 + y * 7) & 0xff;
    const cw = chromaWidth(width);
    for (let i = 0; i < frame.u.length; i++) {
      frame.u[i] = ((i % cw) * 5 + Math.floor(i / cw) * 11) & 0xff;
      frame.v[i] = ((i % cw) * 13 + Math.floor(i / cw) * 2 + 1) & 0xff;
    }
    return frame;
  }

  it('copies the window at even offsets, plane by plane', () => {
    const source = numbered(40, 30);
    const out = crop(source, { x: 10, y: 6, width: 21, height: 11 });
    expect([out.width, out.height, out.timestamp]).toEqual([21, 11, 77]);
    for (let y = 0; y < 11; y++)
      for (let x = 0; x < 21; x++) expect(out.y[y * 21 + x]).toBe(source.y[(y + 6) * 40 + x + 10]);
    const [cw, scw] = [chromaWidth(21), chromaWidth(40)];
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < cw; x++) {
        expect(out.u[y * cw + x]).toBe(source.u[(y + 3) * scw + x + 5]);
        expect(out.v[y * cw + x]).toBe(source.v[(y + 3) * scw + x + 5]);
      }
    }
  });

  it('rounds an odd corner down to even (chroma is per 2x2 pixels)', () => {
    const source = numbered(40, 30);
    const out = crop(source, { x: 11, y: 7, width: 8, height: 4 });
    expect(out.y[0]).toBe(source.y[6 * 40 + 10]);
    expect(out.u[0]).toBe(source.u[3 * 20 + 5]);
  });

  it('reaching the far edges works; outside the frame is an error', () => {
    const source = numbered(40, 30);
    const out = crop(source, { x: 0, y: 0, width: 40, height: 30 });
    expect(Buffer.from(out.data).equals(Buffer.from(source.data))).toBe(true);
    expect(crop(source, { x: 38, y: 28, width: 2, height: 2 }).y[3]).toBe(source.y[29 * 40 + 39]);
    expect(() => crop(source, { x: 30, y: 0, width: 12, height: 4 })).toThrow(/does not fit/);
    expect(() => crop(source, { x: -2, y: 0, width: 4, height: 4 })).toThrow(/integers ≥ 0/);
  });
});
