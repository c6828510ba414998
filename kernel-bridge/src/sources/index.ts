/**
 * Kernel-side sources of frames (and sound) for streamers and cells, gathered for ../index.ts:
 * media files (decoded in a worker per file) and a generated test clip.
 */
export { mediaFile, MediaFile, type MediaFileOptions } from './media-file';
export { writeTestClip, type TestClipOptions } from './test-clip';
