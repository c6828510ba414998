/** @jest-environment ./test/media/native-env.js */
import { tensorToFrame, toTensor } from '../../src/vision';
import { BLUE, paintedFrame, RED, solidFrame } from './patches';

/** Left half red, right half blue; the split is on an even column, where chroma does not blend. */
const halves = (width = 8, height = 4) => paintedFrame(width, height, (x) => (x < width / 2 ? RED : BLUE));

const near = (actual: number, expected: number, tolerance = 0.025) => {
  if (Math.abs(actual - expected) > tolerance) throw new Error(`${actual} is not within ${tolerance} of ${expected}`);
};

describe('toTensor', () => {
  it('NCHW puts each channel in its own plane: data[c*H*W + y*W + x]', () => {
    const t = toTensor(halves(), { layout: 'nchw' });
    expect(t.shape).toEqual([1, 3, 4, 8]);
    expect(t.data.length).toBe(3 * 4 * 8);
    const at = (c: number, x: number, y: number) => t.data[c * 32 + y * 8 + x];
    [at(0, 1, 2), at(1, 1, 2), at(2, 1, 2)].forEach((v, c) => near(v, [1, 0, 0][c]));
    [at(0, 6, 3), at(1, 6, 3), at(2, 6, 3)].forEach((v, c) => near(v, [0, 0, 1][c]));
    expect([t.scale, t.padX, t.padY]).toEqual([1, 0, 0]);
  });

  it('NHWC interleaves the channels: data[(y*W + x)*3 + c]', () => {
    const t = toTensor(halves(), { layout: 'nhwc' });
    expect(t.shape).toEqual([1, 4, 8, 3]);
    const at = (c: number, x: number, y: number) => t.data[(y * 8 + x) * 3 + c];
    [at(0, 0, 0), at(1, 0, 0), at(2, 0, 0)].forEach((v, c) => near(v, [1, 0, 0][c]));
    [at(0, 7, 1), at(1, 7, 1), at(2, 7, 1)].forEach((v, c) => near(v, [0, 0, 1][c]));
  });

  it("order 'bgr' swaps the first and last channels", () => {
    const t = toTensor(halves(), { layout: 'nchw', order: 'bgr' });
    near(t.data[0 * 32 + 1], 0); // B of a red pixel
    near(t.data[2 * 32 + 1], 1); // R of a red pixel
  });

  it('normalises as (x/255 - mean) / std, per channel', () => {
    const mean: [number, number, number] = [0.485, 0.456, 0.406];
    const std: [number, number, number] = [0.229, 0.224, 0.225];
    const t = toTensor(solidFrame(4, 4, RED), { layout: 'nhwc', mean, std });
    near(t.data[0], (1 - 0.485) / 0.229, 0.1);
    near(t.data[1], (0 - 0.456) / 0.224, 0.1);
    near(t.data[2], (0 - 0.406) / 0.225, 0.1);
    const single = toTensor(solidFrame(4, 4, RED), { layout: 'nchw', mean: 0.5, std: 0.5 });
    near(single.data[0], 1, 0.05);
    near(single.data[16], -1, 0.05);
  });

  it('resizes to the asked size', () => {
    const t = toTensor(halves(64, 32), { layout: 'nchw', width: 16, height: 16 });
    expect(t.shape).toEqual([1, 3, 16, 16]);
    expect([t.scaleX, t.scaleY]).toEqual([0.25, 0.5]);
    near(t.data[8 * 16 + 2], 1); // R, left half
    near(t.data[2 * 256 + 8 * 16 + 13], 1); // B, right half
  });

  it('letterboxes a wide frame: centred, grey 114 bars above and below, scale and padding reported', () => {
    const t = toTensor(halves(64, 48), { layout: 'nchw', width: 32, height: 32, letterbox: true });
    expect([t.scale, t.padX, t.padY]).toEqual([0.5, 0, 4]);
    const grey = 114 / 255;
    for (const y of [0, 3, 28, 31]) for (let c = 0; c < 3; c++) near(t.data[c * 1024 + y * 32 + 10], grey, 1e-6);
    near(t.data[0 * 1024 + 4 * 32 + 2], 1); // first picture row: red on the left
    near(t.data[2 * 1024 + 27 * 32 + 30], 1); // last picture row: blue on the right
    // A model's point maps back to the frame's pixels.
    expect(tensorToFrame(t, 16, 4)).toEqual([32, 0]);
    expect(tensorToFrame(t, 32, 28)).toEqual([64, 48]);
  });

  it('letterboxes a tall frame with bars left and right, in the asked colour (NHWC)', () => {
    const t = toTensor(solidFrame(20, 40, BLUE), {
      layout: 'nhwc',
      width: 40,
      height: 40,
      letterbox: { colour: [255, 0, 0] },
    });
    expect([t.scale, t.padX, t.padY]).toEqual([1, 10, 0]);
    const at = (c: number, x: number, y: number) => t.data[(y * 40 + x) * 3 + c];
    [at(0, 9, 5), at(1, 9, 5), at(2, 9, 5)].forEach((v, c) => near(v, [1, 0, 0][c], 1e-6));
    [at(0, 10, 5), at(1, 10, 5), at(2, 10, 5)].forEach((v, c) => near(v, [0, 0, 1][c]));
    [at(0, 30, 39), at(1, 30, 39), at(2, 30, 39)].forEach((v, c) => near(v, [1, 0, 0][c], 1e-6));
  });

  it('reuses `out`, and checks it and the options', () => {
    const out = new Float32Array(3 * 8 * 4);
    const t = toTensor(halves(), { layout: 'nchw', out });
    expect(t.data).toBe(out);
    expect(() => toTensor(halves(), { layout: 'nchw', out: new Float32Array(10) })).toThrow(/96 values/);
    expect(() => toTensor(halves(), { layout: 'chw' as never })).toThrow(/layout/);
    expect(() => toTensor(halves(), { layout: 'nchw', std: 0 })).toThrow(/std/);
    expect(() => toTensor(halves(), { layout: 'nchw', mean: [1, 2] as never })).toThrow(/mean/);
  });
});
