/**
 * A frame as a PNG image, so a frame shows itself as a picture in the notebook (display(frame), or
 * a frame as a cell's last expression); the encoding is encode-image.ts's.
 */
import type { MimeBundle } from '../kernel/api';
import type { Frame } from './frame';
import { encodePng } from './encode-image';

/** How a frame shows itself in the notebook: the picture, and its size and time as text. */
export function frameMimeBundle(frame: Frame): MimeBundle {
  return {
    data: {
      'image/png': encodePng(frame).toString('base64'),
      'text/plain': `I420Frame ${frame.width}x${frame.height} @${frame.timestamp.toFixed(1)}ms`,
    },
    metadata: { 'image/png': { width: frame.width, height: frame.height } },
  };
}
