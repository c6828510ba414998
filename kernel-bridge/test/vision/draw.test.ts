/** @jest-environment ./test/media/native-env.js */
import { drawAnnotations, toRGB } from '../../src/vision';
import { MAX_ANNOTATION_ITEMS } from '../../src/annotations/validate';
import { expectColour, GREY, pixelAt, RED, RGB, solidFrame } from './patches';

const W = 64;
const H = 48; // line width max(2, round(48 / 240)) = 2 pixels

/**
 * Clearly of one primary colour. Thin lines lose some saturation to I420's shared chroma (one U, V
 * pair per 2x2 pixels, filtered by swscale): their pixels are checked for the hue, not an exact value.
 */
function expectDominant(c: RGB, channel: 0 | 1 | 2): void {
  const others = c.filter((_, i) => i !== channel);
  if (c[channel] - Math.max(...others) < 80)
    throw new Error(`colour ${JSON.stringify(c)} is not mostly channel ${channel}`);
}

describe('drawAnnotations', () => {
  it('a box: its border pixels take its colour, inside and outside stay untouched', () => {
    const frame = solidFrame(W, H, GREY, 500);
    const out = drawAnnotations(frame, [{ kind: 'box', x: 10, y: 10, width: 30, height: 20, colour: '#ff0000' }]);
    expect([out.width, out.height, out.timestamp]).toEqual([W, H, 500]);
    const rgb = toRGB(out);
    const at = (x: number, y: number) => pixelAt(rgb, W, x, y);
    // The vertical sides keep whole chroma columns (even x, 2 pixels wide): exact red.
    for (const [x, y] of [
      [10, 20],
      [11, 20],
      [38, 20],
      [39, 20],
    ]) {
      expectColour(at(x, y), RED, 6);
    }
    for (const [x, y] of [
      [25, 10],
      [25, 11],
      [25, 28],
      [25, 29],
    ]) {
      expectDominant(at(x, y), 0);
    }
    // Untouched: inside and outside, a few pixels from the border (swscale's chroma filters reach
    // about two pixels around a line).
    const before = pixelAt(toRGB(frame), W, 14, 14);
    for (const [x, y] of [
      [16, 16],
      [25, 20],
      [34, 24],
      [5, 5],
      [6, 20],
      [44, 20],
      [25, 35],
    ])
      expectColour(at(x, y), before, 4);
    expectColour(pixelAt(toRGB(frame), W, 10, 20), before, 0); // the source frame is not drawn on
  });

  it('a box with label and score gets a filled tag above it', () => {
    const plain = toRGB(
      drawAnnotations(solidFrame(W * 4, H * 4, GREY), [{ kind: 'box', x: 40, y: 80, width: 100, height: 60 }]),
    );
    const tagged = toRGB(
      drawAnnotations(solidFrame(W * 4, H * 4, GREY), [
        { kind: 'box', x: 40, y: 80, width: 100, height: 60, label: 'face', score: 0.9 },
      ]),
    );
    // Just above the box, near its left end: grey without a label, the default green with one.
    expectColour(pixelAt(plain, W * 4, 50, 72), GREY, 5);
    expectDominant(pixelAt(tagged, W * 4, 50, 72), 1); // the default colour, #00e676
  });

  it('points, a closed polyline and text', () => {
    const out = drawAnnotations(solidFrame(W, H, GREY), [
      { kind: 'points', points: [[50, 40]], colour: '#00ff00' },
      {
        kind: 'polyline',
        points: [
          [4, 4],
          [4, 40],
          [30, 40],
        ],
        closed: true,
        colour: '#ff0000',
      },
      { kind: 'text', x: 34, y: 2, text: 'Hi', colour: '#00ff00' },
    ]);
    const rgb = toRGB(out);
    expectDominant(pixelAt(rgb, W, 50, 40), 1);
    expectDominant(pixelAt(rgb, W, 4, 20), 0); // the first segment
    expectDominant(pixelAt(rgb, W, 17, 22), 0); // the closing segment, (30, 40) back to (4, 4)
    expectColour(pixelAt(rgb, W, 20, 10), GREY, 5); // outside the polygon's lines
    let changed = 0;
    for (let y = 0; y < 16; y++) for (let x = 34; x < W; x++) if (pixelAt(rgb, W, x, y)[1] > 160) changed++;
    expect(changed).toBeGreaterThan(5); // the text's strokes
  });

  it("refuses malformed items with their index (the side channel's check: annotations/validate.ts)", () => {
    const frame = solidFrame(16, 16, GREY);
    expect(() => drawAnnotations(frame, [{ kind: 'circle' } as never])).toThrow(/items\[0\]\.kind must be/);
    expect(() =>
      drawAnnotations(frame, [{ kind: 'box', x: 0, y: 0, width: 2, height: 2 }, { kind: 'box', x: NaN } as never]),
    ).toThrow(/items\[1\]: box x and y must be finite/);
    expect(() => drawAnnotations(frame, [{ kind: 'points', points: [[1]] } as never])).toThrow(/items\[0\]\.points/);
    expect(() => drawAnnotations(frame, 'boxes' as never)).toThrow(/items must be an array/);
    // the same limits as the side channel: count and colour
    const box = { kind: 'box', x: 0, y: 0, width: 2, height: 2 } as const;
    expect(() => drawAnnotations(frame, Array(MAX_ANNOTATION_ITEMS + 1).fill(box))).toThrow(/more than 256/);
    expect(() => drawAnnotations(frame, [{ ...box, colour: 'url(x)' }])).toThrow(/items\[0\]\.colour/);
  });

  it("draws an item with an unknown colour name in the default colour, not the previous item's", () => {
    const frame = solidFrame(16, 16, GREY);
    const left = { kind: 'box', x: 0, y: 0, width: 8, height: 16 } as const;
    const after = drawAnnotations(frame, [
      { kind: 'box', x: 8, y: 0, width: 8, height: 16, colour: '#ff0000' },
      { ...left, colour: 'nosuchcolour' },
    ]);
    const plain = drawAnnotations(frame, [left]);
    // the left box's left edge (luma of rows 0 and 4, columns 0-3): far from the red box
    const edge = (f: { data: Uint8Array }) => [...f.data.subarray(0, 4), ...f.data.subarray(64, 68)];
    expect(edge(after)).toEqual(edge(plain));
    expect(edge(plain)).not.toEqual(edge(frame));
  });

  it('draws frames of different sizes one after another (cached canvases per size)', () => {
    for (const [w, h] of [
      [32, 32],
      [64, 48],
      [32, 32],
    ]) {
      const rgb = toRGB(
        drawAnnotations(solidFrame(w, h, GREY), [{ kind: 'box', x: 0, y: 0, width: w, height: h, colour: 'red' }]),
      );
      expectColour(pixelAt(rgb, w, 0, h / 2), RED, 6);
      expectColour(pixelAt(rgb, w, w / 2, h / 2), GREY, 5);
    }
  });
});
