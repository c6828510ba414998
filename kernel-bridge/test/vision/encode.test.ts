/** @jest-environment ./test/media/native-env.js */
import { Image } from '@napi-rs/canvas';
import { encodeJpeg, encodePng, toRGB } from '../../src/vision';
import { expectColour, pixelAt, quadrantFrame, QUADRANTS, RGB } from './patches';

/** Decodes with Skia (@napi-rs/canvas), an implementation independent of the FFmpeg encoders. */
function decode(file: Buffer): { width: number; height: number; rgb: (x: number, y: number) => RGB } {
  const image = new Image();
  image.src = file;
  const { createCanvas } = jest.requireActual('@napi-rs/canvas') as typeof import('@napi-rs/canvas');
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const data = ctx.getImageData(0, 0, image.width, image.height).data;
  return { width: image.width, height: image.height, rgb: (x, y) => pixelAt(data, image.width, x, y, 4) };
}

describe('encodePng / encodeJpeg', () => {
  const frame = quadrantFrame(64, 48);

  it('PNG: the magic bytes, and it decodes to exactly the RGB pixels', () => {
    const png = encodePng(frame);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const image = decode(png);
    expect([image.width, image.height]).toEqual([64, 48]);
    const rgb = toRGB(frame);
    for (const [x, y] of [
      [0, 0],
      [16, 12],
      [47, 40],
      [63, 47],
    ])
      expect(image.rgb(x, y)).toEqual(pixelAt(rgb, 64, x, y));
  });

  it('JPEG: the magic bytes, the size and the colours (full range after conversion)', () => {
    const jpeg = encodeJpeg(frame, { quality: 90 });
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect([...jpeg.subarray(-2)]).toEqual([0xff, 0xd9]);
    const image = decode(jpeg);
    expect([image.width, image.height]).toEqual([64, 48]);
    const centres: [number, number][] = [
      [16, 12],
      [48, 12],
      [16, 36],
      [48, 36],
    ];
    centres.forEach(([x, y], i) => expectColour(image.rgb(x, y), QUADRANTS[i], 12));
  });

  it('JPEG quality trades size, and must be 1..100', () => {
    const big = quadrantFrame(320, 240);
    expect(encodeJpeg(big, { quality: 10 }).byteLength).toBeLessThan(encodeJpeg(big, { quality: 95 }).byteLength);
    expect(() => encodeJpeg(big, { quality: 0 })).toThrow(/1 to 100/);
    expect(() => encodeJpeg(big, { quality: NaN })).toThrow(/1 to 100/);
  });

  it('odd sizes encode', () => {
    expect(decode(encodeJpeg(quadrantFrame(33, 17))).width).toBe(33);
    expect(decode(encodePng(quadrantFrame(33, 17))).height).toBe(17);
  });

  it('says what it got instead of a frame', () => {
    expect(() => encodePng(null as never)).toThrow(/expected an I420 frame/);
  });
});
