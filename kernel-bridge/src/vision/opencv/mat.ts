/**
 * Frames to OpenCV Mats and back. A Mat lives in the WASM heap: toMat writes the frame's RGBA
 * straight into it (swscale's one copy, no JS-side buffer), and fromMat hands the Mat's bytes
 * (a view of the heap) to swscale for I420. Mats must be deleted (see cvFilter, which owns them).
 */
import type { Mat } from '@techstark/opencv-js';
import { type Frame, frameFromRGBA, type I420Frame } from '../../media/frame';
import { type CV, loadedOpenCV } from './load';

/** The loaded OpenCV, or a clear error when a cell uses the bridge before loading it. */
function requireOpenCV(): CV {
  const cv = loadedOpenCV();
  if (!cv) throw new Error('OpenCV is not loaded yet: run `const cv = await loadOpenCV()` first');
  return cv;
}

/**
 * The frame as an RGBA Mat (CV_8UC4, rows = height). Writes into `out` when given (reallocated
 * only when its size or type differs), else into a new Mat that the caller must delete().
 */
export function toMat(frame: Frame, out?: Mat): Mat {
  const cv = requireOpenCV();
  if (out?.isDeleted()) throw new TypeError('toMat: the `out` Mat was deleted');
  const mat = out ?? new cv.Mat(frame.height, frame.width, cv.CV_8UC4);
  if (mat.rows !== frame.height || mat.cols !== frame.width || mat.type() !== cv.CV_8UC4) {
    mat.create(frame.height, frame.width, cv.CV_8UC4);
  }
  frame.toRGBA(mat.data); // mat.data: a fresh view of the heap (an older one detaches when the heap grows)
  return mat;
}

/**
 * An I420 frame from a Mat: CV_8UC4 (RGBA), CV_8UC3 (RGB) or CV_8UC1 (gray); other types are a
 * TypeError. RGB and gray go through an RGBA Mat first: `scratch` when given (kept for the next
 * call), else a temporary one.
 */
export function fromMat(mat: Mat, timestamp = 0, scratch?: Mat): I420Frame {
  const cv = requireOpenCV();
  if (mat.isDeleted()) throw new TypeError('fromMat: the Mat was deleted');
  if (mat.empty()) throw new TypeError('fromMat: the Mat is empty (did the filter write its output?)');
  const type = mat.type();
  if (type === cv.CV_8UC4 && mat.isContinuous()) return frameFromRGBA(mat.cols, mat.rows, mat.data, timestamp);
  const code = conversionToRGBA(cv, type);
  const rgba = scratch ?? new cv.Mat();
  try {
    if (code === null)
      mat.copyTo(rgba); // RGBA, but a region of a larger Mat: rows not adjacent
    else cv.cvtColor(mat, rgba, code);
    return frameFromRGBA(rgba.cols, rgba.rows, rgba.data, timestamp);
  } finally {
    if (!scratch) rgba.delete();
  }
}

function conversionToRGBA(cv: CV, type: number): number | null {
  if (type === cv.CV_8UC4) return null;
  if (type === cv.CV_8UC3) return cv.COLOR_RGB2RGBA;
  if (type === cv.CV_8UC1) return cv.COLOR_GRAY2RGBA;
  throw new TypeError(`fromMat: a ${matTypeName(type)} Mat; expected CV_8UC4 (RGBA), CV_8UC3 (RGB) or CV_8UC1 (gray)`);
}

const DEPTHS = ['8U', '8S', '16U', '16S', '32S', '32F', '64F', '16F'];

/** OpenCV's name of a Mat type number, e.g. 21 -> CV_32FC3. */
function matTypeName(type: number): string {
  return `CV_${DEPTHS[type & 7]}C${(type >> 3) + 1}`;
}
