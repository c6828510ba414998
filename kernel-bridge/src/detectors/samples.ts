/**
 * Photos with faces that ship inside @vladmandic/face-api (demo/sample1.jpg to sample6.jpg), by
 * path: a notebook or a test can show the detector a known picture (through mediaFile(), say)
 * without a camera and without downloading anything. The package is resolved from the kernel, so
 * a notebook folder needs no install of its own.
 */
import * as path from 'node:path';

const SAMPLE_COUNT = 6;

/** The path of face-api's sample photo `n` (1 to 6; 1 shows three faces). */
export function faceSamplePhoto(n = 1): string {
  if (!Number.isInteger(n) || n < 1 || n > SAMPLE_COUNT) {
    throw new RangeError(`faceSamplePhoto takes 1 to ${SAMPLE_COUNT}, got ${String(n)}`);
  }
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', `sample${n}.jpg`);
}
