/**
 * Detectors: models that turn video frames into annotations (annotations/types.ts), run off the
 * kernel's main thread. Gathered here for ../index.ts.
 */
export { detectFaces, type DetectFacesOptions } from './face-detector';
export { faceSamplePhoto } from './samples';
