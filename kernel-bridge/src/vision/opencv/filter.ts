/**
 * cvFilter: an OpenCV filter as a streamer transform, in a few lines of cell code and without
 * leaking WASM memory. Every Mat a frame needs (input, output, scratch) belongs to the transform:
 * made on its first frame, reused by the next ones (same size: no allocation), deleted when the
 * transform is unsubscribed (cell re-run, stream closed, or after an error, when the pipeline
 * subscribes it again).
 */
import type { Mat } from '@techstark/opencv-js';
import { defer, finalize, from, map, type Observable, switchMap } from 'rxjs';
import type { Frame } from '../../media/frame';
import type { Transform } from '../../streamer/pipeline';
import { type CV, loadedOpenCV, loadOpenCV } from './load';
import { fromMat, toMat } from './mat';

/** How many scratch Mats a filter gets (`tmp[0]` … `tmp[7]`). */
export const SCRATCH_MATS = 8;

/**
 * One frame's work: read `src` (RGBA, CV_8UC4), write `dst` (RGBA, RGB or gray), or return the Mat
 * that holds the result (e.g. `src` changed in place, or one of `tmp`). `tmp` holds SCRATCH_MATS
 * Mats kept across frames. Keep no Mat of your own unless you delete it.
 */
export type CvFilterFunction = (cv: CV, src: Mat, dst: Mat, tmp: readonly Mat[]) => Mat | void;

/**
 * A transform running `fn` on each frame: `ctx.transform(cvFilter((cv, src, dst) => cv.flip(src, dst, 1)))`.
 * Loads OpenCV on first use when `loadOpenCV()` has not been awaited (frames are dropped meanwhile).
 */
export function cvFilter(fn: CvFilterFunction): Transform {
  return (frames$) =>
    defer(() => {
      const cv = loadedOpenCV();
      return cv ? filterWith(cv, fn, frames$) : from(loadOpenCV()).pipe(switchMap((cv) => filterWith(cv, fn, frames$)));
    });
}

function filterWith(cv: CV, fn: CvFilterFunction, frames$: Observable<Frame>): Observable<Frame> {
  return defer(() => {
    const src = new cv.Mat();
    const dst = new cv.Mat();
    const rgba = new cv.Mat(); // fromMat's scratch for RGB or gray results
    const tmp: readonly Mat[] = Object.freeze(Array.from({ length: SCRATCH_MATS }, () => new cv.Mat()));
    return frames$.pipe(
      map((frame) => {
        try {
          toMat(frame, src);
          const result = fn(cv, src, dst, tmp) ?? dst;
          if (!(result instanceof cv.Mat)) throw new TypeError('a cvFilter function returns a Mat or nothing');
          return fromMat(result, frame.timestamp, rgba);
        } catch (error) {
          throw openCVError(cv, error);
        }
      }),
      finalize(() => {
        for (const mat of [src, dst, rgba, ...tmp]) if (!mat.isDeleted()) mat.delete();
      }),
    );
  });
}

/** OpenCV.js throws C++ exceptions as bare numbers (a heap pointer): make them Errors with OpenCV's message. */
function openCVError(cv: CV, error: unknown): unknown {
  if (typeof error !== 'number') return error;
  let message: string;
  try {
    message = String((cv.exceptionFromPtr(error) as { msg?: unknown }).msg ?? error);
  } catch {
    message = `exception ${error}`;
  }
  return new Error(`OpenCV: ${message.trim()}`);
}
