/** @jest-environment ./test/media/native-env.js */
import { createI420Frame, frameFromRGBA, I420Frame, i420Size, chromaWidth, chromaHeight } from '../../src/media';
import { scaleI420 } from '../../src/media/frame';

function gradientRGBA(w: number, h: number): Uint8Array {
  const a = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      a[i] = Math.round((x / Math.max(1, w - 1)) * 200) + 20;
      a[i + 1] = Math.round((y / Math.max(1, h - 1)) * 200) + 20;
      a[i + 2] = 120;
      a[i + 3] = 255;
    }
  return a;
}

function errors(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue; // alpha
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    n++;
    if (d > max) max = d;
  }
  return { mean: sum / n, max };
}

describe('Frame conversions (swscale)', () => {
  test.each([
    [640, 480],
    [1280, 720],
    [33, 17],
    [101, 37],
  ])('RGBA -> I420 -> RGBA roundtrip of a gradient %ix%i', (w, h) => {
    const rgba = gradientRGBA(w, h);
    const f = frameFromRGBA(w, h, rgba, 123);
    expect(f.width).toBe(w);
    expect(f.height).toBe(h);
    expect(f.timestamp).toBe(123);
    expect(f.data.byteLength).toBe(i420Size(w, h));
    expect(f.y.byteLength).toBe(w * h);
    expect(f.u.byteLength).toBe(chromaWidth(w) * chromaHeight(h));
    const back = f.toRGBA();
    expect(back.byteLength).toBe(w * h * 4);
    const e = errors(rgba, back);
    expect(e.mean).toBeLessThan(3);
    expect(e.max).toBeLessThan(24); // smooth gradient: chroma subsampling costs little
  });

  test.each([
    [7, 5],
    [8, 4],
    [1, 1],
    [3, 2],
    [2, 3],
    [641, 479],
  ])('RGBA -> I420 -> RGBA roundtrip of a solid colour, odd/tiny size %ix%i', (w, h) => {
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([200, 60, 30, 255], i * 4);
    const f = frameFromRGBA(w, h, rgba);
    const e = errors(rgba, f.toRGBA());
    expect(e.max).toBeLessThanOrEqual(4);
  });

  test('grey maps to limited-range luma and neutral chroma', () => {
    const w = 16;
    const h = 8;
    const rgba = new Uint8Array(w * h * 4).fill(128);
    const f = frameFromRGBA(w, h, rgba);
    for (const v of f.y) expect(Math.abs(v - 126)).toBeLessThanOrEqual(1);
    for (const v of f.u) expect(Math.abs(v - 128)).toBeLessThanOrEqual(1);
    for (const v of f.v) expect(Math.abs(v - 128)).toBeLessThanOrEqual(1);
  });

  test('createI420Frame is black, writable through y/u/v, toRGBA into a given buffer', () => {
    const f = createI420Frame(5, 3, 7);
    const out = new Uint8Array(5 * 3 * 4);
    expect(f.toRGBA(out)).toBe(out);
    for (let i = 0; i < out.length; i += 4) {
      expect(out[i]).toBeLessThanOrEqual(1);
      expect(out[i + 3]).toBe(255);
    }
    f.y.fill(235); // white
    const white = f.toRGBA();
    for (let i = 0; i < white.length; i += 4) expect(white[i]).toBeGreaterThanOrEqual(254);
  });

  test('frames wrapping a view at an offset of a larger buffer (no slack after it) convert correctly', () => {
    const w = 9;
    const h = 7;
    const ref = frameFromRGBA(w, h, gradientRGBA(w, h));
    const big = new Uint8Array(100 + i420Size(w, h)); // frame data ends exactly at the buffer end
    big.set(ref.data, 100);
    const f = new I420Frame(w, h, 0, big.subarray(100));
    expect(Buffer.from(f.toRGBA()).equals(Buffer.from(ref.toRGBA()))).toBe(true);
    // RGBA input that is a view with an offset
    const rgbaBig = new Uint8Array(13 + w * h * 4);
    rgbaBig.set(gradientRGBA(w, h), 13);
    const g = frameFromRGBA(w, h, rgbaBig.subarray(13));
    expect(Buffer.from(g.data).equals(Buffer.from(ref.data))).toBe(true);
  });

  test('conversion does not write outside the frame (tiny sizes)', () => {
    for (const [w, h] of [
      [8, 4],
      [7, 5],
      [2, 2],
    ]) {
      const size = i420Size(w, h);
      const buf = new Uint8Array(size + 64).fill(0xaa);
      const f = new I420Frame(w, h, 0, buf.subarray(0, size));
      const src = frameFromRGBA(w, h, gradientRGBA(w, h));
      f.data.set(src.data);
      f.toRGBA();
      expect([...buf.subarray(size)].every((b) => b === 0xaa)).toBe(true);
      const out = new Uint8Array(w * h * 4 + 64).fill(0xbb);
      f.toRGBA(out.subarray(0, w * h * 4));
      expect([...out.subarray(w * h * 4)].every((b) => b === 0xbb)).toBe(true);
    }
  });

  test('rejects bad sizes and short buffers', () => {
    expect(() => createI420Frame(0, 10)).toThrow(RangeError);
    expect(() => createI420Frame(10.5, 10)).toThrow(RangeError);
    expect(() => createI420Frame(100000, 10)).toThrow(RangeError);
    expect(() => new I420Frame(4, 4, 0, new Uint8Array(10))).toThrow(/needs 24 bytes/);
    expect(() => frameFromRGBA(4, 4, new Uint8Array(10))).toThrow(RangeError);
  });
});

describe('scaleI420 (the media worker scales frames over a size cap)', () => {
  /** A frame whose left half has luma 40 and right half 200, chroma 100 / 160. */
  function halves(w: number, h: number) {
    const f = createI420Frame(w, h);
    for (let y = 0; y < h; y++) {
      f.y.fill(40, y * w, y * w + w / 2).fill(200, y * w + w / 2, (y + 1) * w);
    }
    f.u.fill(100);
    f.v.fill(160);
    return f;
  }

  it.each([
    [640, 480, 320, 240],
    [160, 120, 80, 60],
    [1280, 720, 426, 240],
    [66, 50, 34, 26],
  ])('scales %dx%d to %dx%d keeping the picture', (w, h, dw, dh) => {
    const src = halves(w, h);
    // Exactly the size, no slack after it: swscale must not write past the destination.
    const backing = new Uint8Array(i420Size(dw, dh) + 16).fill(7);
    const out = backing.subarray(0, i420Size(dw, dh));
    scaleI420(src.data, w, h, out, dw, dh);
    const scaled = new I420Frame(dw, dh, 0, out);
    const row = Math.floor(dh / 2) * dw;
    expect(Math.abs(scaled.y[row + 2] - 40)).toBeLessThanOrEqual(2);
    expect(Math.abs(scaled.y[row + dw - 3] - 200)).toBeLessThanOrEqual(2);
    expect(Math.abs(scaled.u[0] - 100)).toBeLessThanOrEqual(1);
    expect(Math.abs(scaled.v[scaled.v.length - 1] - 160)).toBeLessThanOrEqual(1);
    expect([...backing.subarray(i420Size(dw, dh))]).toEqual(Array(16).fill(7));
  });

  it('refuses buffers shorter than their sizes', () => {
    const src = halves(64, 48);
    expect(() => scaleI420(src.data, 64, 48, new Uint8Array(10), 32, 24)).toThrow(/short destination/);
    expect(() => scaleI420(src.data.subarray(0, 100), 64, 48, new Uint8Array(i420Size(32, 24)), 32, 24)).toThrow(
      /short source/,
    );
  });
});
