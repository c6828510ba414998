/** The OpenCV bridge (OpenCV.js, WASM): loading it once, frames to and from Mats, filters as transforms. */
export { loadOpenCV } from './load';
export type { CV } from './load';
export type { Mat } from '@techstark/opencv-js';
export { fromMat, toMat } from './mat';
export { cvFilter, SCRATCH_MATS } from './filter';
export type { CvFilterFunction } from './filter';
