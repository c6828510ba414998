/**
 * Frames as image files, PNG (lossless, how a frame shows itself in the notebook) and JPEG (small,
 * for feeding an Image widget at a few frames a second): swscale converts the I420 planes, FFmpeg's
 * png and mjpeg encoders compress them, all native through node-av.
 */
import type { Frame } from './frame';
import { framePlanes } from './frame';
import { checkFrame } from './frame-input';
import { nodeAv } from './native';
import { layoutSize, swsConvert } from './swscale';

export interface JpegOptions {
  /** 1 (smallest) .. 100 (best); default 80. */
  quality?: number;
}

/** Reused conversion buffers, one per layout: encoding a stream of frames allocates no pixels. */
const scratch = new Map<string, Buffer>();
function scratchFor(layout: 'rgb24' | 'yuvj420p', width: number, height: number): Buffer {
  const size = layoutSize(layout, width, height);
  let buf = scratch.get(layout);
  if (!buf || buf.byteLength < size) scratch.set(layout, (buf = Buffer.alloc(size)));
  return buf.subarray(0, size);
}

function encode(
  frame: Frame,
  layout: 'rgb24' | 'yuvj420p',
  what: string,
  run: (image: InstanceType<ReturnType<typeof nodeAv>['Frame']>) => Buffer,
): Buffer {
  checkFrame(frame, what);
  const av = nodeAv();
  const { width, height } = frame;
  const pixels = scratchFor(layout, width, height);
  swsConvert(framePlanes(frame), 'i420', width, height, pixels, layout, width, height);
  const image = av.Frame.fromVideoBuffer(pixels, {
    width,
    height,
    format: layout === 'rgb24' ? av.AV_PIX_FMT_RGB24 : av.AV_PIX_FMT_YUVJ420P,
    timeBase: { num: 1, den: 1 },
    pts: 0n,
  });
  try {
    return run(image);
  } finally {
    image.free();
  }
}

/** The PNG file of `frame` (RGB, 8 bits per channel). */
export function encodePng(frame: Frame): Buffer {
  return encode(frame, 'rgb24', 'encodePng', (image) => nodeAv().Encoder.encodeOneSync(nodeAv().FF_ENCODER_PNG, image));
}

/** Maps quality 1..100 to mjpeg's qscale 31..2 (lower qscale is better). */
function qscale(quality: number): number {
  return Math.round(31 - ((quality - 1) * 29) / 99);
}

/**
 * The JPEG file of `frame` (4:2:0). The planes are range-converted (limited to full range, what
 * JPEG readers assume) by swscale first; FFmpeg's mjpeg encoder refuses limited-range input.
 */
export function encodeJpeg(frame: Frame, options: JpegOptions = {}): Buffer {
  const quality = options.quality ?? 80;
  if (typeof quality !== 'number' || !Number.isFinite(quality) || quality < 1 || quality > 100) {
    throw new RangeError(`encodeJpeg: quality must be a number from 1 to 100, got ${String(quality)}`);
  }
  // mjpeg reads its quality from the frame, with the QSCALE flag set (its `q` option does nothing).
  const lambda = qscale(quality) * (nodeAv().FF_QP2LAMBDA as number);
  return encode(frame, 'yuvj420p', 'encodeJpeg', (image) => {
    const av = nodeAv();
    image.quality = lambda;
    return av.Encoder.encodeOneSync(av.FF_ENCODER_MJPEG, image, {
      configure: (context) => {
        context.setFlags(av.AV_CODEC_FLAG_QSCALE);
        context.globalQuality = lambda;
      },
    });
  });
}
