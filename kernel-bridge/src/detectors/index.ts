/**
 * Detectors: models that turn video frames into annotations (annotations/types.ts), run off the
 * kernel's main thread. Gathered here for ../index.ts.
 */
export { detectFaces } from './face-detector';
export type { DetectFacesOptions } from './face-options';
export { faceSamplePhoto } from './samples';
