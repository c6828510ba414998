/**
 * A frame as a PNG image, so a frame shows itself as a picture in the notebook (display(frame), or
 * a frame as a cell's last expression). swscale turns I420 into RGB (frame.ts) and FFmpeg's png
 * encoder compresses it, both native through node-av.
 */
import type { MimeBundle } from '../kernel/api';
import type { Frame } from './frame';
import { nodeAv } from './native';

/** The PNG file of `frame` (RGBA, opaque). */
function framePng(frame: Frame): Buffer {
  const av = nodeAv();
  const { width, height } = frame;
  const rgba = frame.toRGBA();
  const image = av.Frame.fromVideoBuffer(Buffer.from(rgba.buffer, rgba.byteOffset, width * height * 4), {
    width,
    height,
    format: av.AV_PIX_FMT_RGBA,
    timeBase: { num: 1, den: 1 },
    pts: 0n,
  });
  try {
    return av.Encoder.encodeOneSync(av.FF_ENCODER_PNG, image);
  } finally {
    image.free();
  }
}

/** How a frame shows itself in the notebook: the picture, and its size and time as text. */
export function frameMimeBundle(frame: Frame): MimeBundle {
  return {
    data: {
      'image/png': framePng(frame).toString('base64'),
      'text/plain': `I420Frame ${frame.width}x${frame.height} @${frame.timestamp.toFixed(1)}ms`,
    },
    metadata: { 'image/png': { width: frame.width, height: frame.height } },
  };
}
