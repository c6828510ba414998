/** @jest-environment ./test/media/native-env.js */
import { toBGR, toGray, toRGB, toRGBA } from '../../src/vision';
import { BLUE, expectColour, GREEN, GREY, pixelAt, RED, RGB, solidFrame, WHITE } from './patches';

describe('pixel views of I420 colour patches (BT.601 limited range)', () => {
  const patches: [string, RGB][] = [
    ['red', RED],
    ['green', GREEN],
    ['blue', BLUE],
    ['white', WHITE],
    ['grey', GREY],
  ];

  it.each(patches)('%s comes back as its RGB, BGR and RGBA', (_name, colour) => {
    const frame = solidFrame(16, 8, colour);
    const rgb = toRGB(frame);
    expect(rgb.byteLength).toBe(16 * 8 * 3);
    for (const [x, y] of [
      [0, 0],
      [7, 3],
      [15, 7],
    ])
      expectColour(pixelAt(rgb, 16, x, y), colour);
    const bgr = toBGR(frame);
    const [b, g, r] = pixelAt(bgr, 16, 5, 5);
    expectColour([r, g, b], colour);
    const rgba = toRGBA(frame);
    expect(rgba.byteLength).toBe(16 * 8 * 4);
    expectColour(pixelAt(rgba, 16, 9, 2, 4), colour);
    expect(rgba[(2 * 16 + 9) * 4 + 3]).toBe(255);
  });

  it('gray is luma stretched to 0..255 (BT.601 weights)', () => {
    const expected = (c: RGB) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
    for (const colour of [RED, GREEN, BLUE, WHITE, GREY, [0, 0, 0] as RGB]) {
      const gray = toGray(solidFrame(8, 8, colour));
      expect(gray.byteLength).toBe(64);
      expect(Math.abs(gray[27] - expected(colour))).toBeLessThanOrEqual(3);
    }
  });

  it('writes into `out` when given, and refuses a short one', () => {
    const frame = solidFrame(8, 4, RED);
    const out = new Uint8Array(8 * 4 * 3 + 10);
    const rgb = toRGB(frame, out);
    expect(rgb.buffer).toBe(out.buffer);
    expect(rgb.byteLength).toBe(8 * 4 * 3);
    expectColour(pixelAt(out, 8, 3, 3), RED);
    expect(() => toGray(frame, new Uint8Array(31))).toThrow(/at least 32 bytes/);
  });

  it('odd sizes convert (chroma planes of ceil(w/2) x ceil(h/2))', () => {
    const rgb = toRGB(solidFrame(7, 5, BLUE));
    expect(rgb.byteLength).toBe(7 * 5 * 3);
    expectColour(pixelAt(rgb, 7, 6, 4), BLUE);
  });

  it('says what it got instead of a frame', () => {
    expect(() => toRGB(undefined as never)).toThrow(/toRGB: expected an I420 frame, got undefined/);
    expect(() => toGray({ width: 4, height: 4, data: new Uint8Array(3) } as never)).toThrow(
      /without matching I420 data/,
    );
  });
});
