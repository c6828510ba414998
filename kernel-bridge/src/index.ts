/**
 * The notebook API of jupyterlab-webrtc: `import { ... } from "jupyterlab-webrtc-bridge"` in a cell
 * of the TypeScript (WebRTC) kernel.
 */
import { CellScope, DisplayOptions, getKernelApi } from './kernel/api';

export { getKernelApi, MIME_BUNDLE } from './kernel/api';
export type {
  CellScope,
  Comm,
  CommManager,
  CommMessage,
  DisplayOptions,
  Displayable,
  JSONObject,
  JSONValue,
  KernelApi,
  MimeBundle,
  Teardown,
} from './kernel/api';

/**
 * Shows a value under the running cell: a widget, a `{data: {'mime/type': ...}}` bundle, or any
 * value as text. With `displayId`, a later `display(x, {displayId, update: true})` replaces it.
 */
export function display(value: unknown, options?: DisplayOptions): void {
  getKernelApi().display(value, options);
}

/**
 * The scope of the running cell: what is added to it is torn down when the cell runs again (or is
 * deleted). Subscriptions, setTimeout/setInterval and streamer transforms the cell makes join it
 * by themselves; add anything else (a socket, a child process): `currentScope()?.add(() => ws.close())`.
 * Null in a request without a cell id (a console).
 */
export function currentScope(): CellScope | null {
  return getKernelApi().currentScope();
}

/** Runs `fn` outside the cell's scope: what it starts keeps running when the cell runs again. */
export function detached<T>(fn: () => T): T {
  return getKernelApi().detached(fn);
}

export * from './widgets';
export { webrtcStreamer, WebRtcStreamer } from './streamer';
export type {
  AudioTransform,
  StreamerOptions,
  Transform,
  KernelStatus,
  QualityOptions,
  StreamerLabels,
  Degradation,
  StartOptions,
  StreamStatus,
  SnapshotOptions,
  SnapshotWhich,
  StreamMode,
  FrameSource,
  RecordOptions,
  Recording,
  RecordingResult,
  RecordedFile,
  ConnectionReport,
  CandidateCounts,
  CandidateType,
  TurnError,
} from './streamer';
export { createI420Frame, frameFromRGBA, I420Frame, latestFirst } from './media';
export { audioFrameProblem, MAX_AUDIO_CHANNELS, MAX_AUDIO_SAMPLES, rms, scaleAudio, toneLevel } from './media';
export type { Frame, AudioFrame, LatestFirstOptions } from './media';
export { mediaFile, MediaFile, writeTestClip } from './sources';
export { turnCredentials } from './deploy/turn-credentials';
export type { TurnCredentialOptions, TurnCredentials } from './deploy/turn-credentials';
export type { MediaFileOptions, TestClipOptions } from './sources';

// Frame toolkit (issue 11): resize/crop, pixel views, model tensors, drawing, encoding, Image widget.
export {
  resize,
  crop,
  toRGB,
  toBGR,
  toRGBA,
  toGray,
  toTensor,
  tensorToFrame,
  drawAnnotations,
  encodePng,
  encodeJpeg,
} from './vision';
export type { Size, Rect, Tensor, TensorLayout, TensorOptions, JpegOptions } from './vision';
export { Image, MAX_IMAGE_BYTES } from './widgets/controls/image';
export type { ImageState, ShowOptions } from './widgets/controls/image';
// Detectors (issue 11): models from video Frames to FrameAnnotations, off the main thread, latest-first.
export { detectFaces, faceSamplePhoto } from './detectors';
export type { DetectFacesOptions } from './detectors';
// ---- Results side channel (issue 11): annotation checks and limits; streamer.annotate() takes an Annotator ----
export {
  ANNOTATION_LIMITS,
  annotationsProblem,
  checkAnnotations,
  itemsProblem,
  parseAnnotations,
  MAX_ANNOTATION_ITEMS,
  MAX_ANNOTATION_POINTS,
  MAX_ANNOTATION_TEXT_LENGTH,
  MAX_ANNOTATION_TOTAL_POINTS,
} from './annotations/validate';
export type { Annotator } from './streamer';
export type {
  Annotation,
  BoxAnnotation,
  Colour,
  FrameAnnotations,
  PointsAnnotation,
  PolylineAnnotation,
  TextAnnotation,
} from './annotations/types';
// OpenCV bridge (issue 11): `const cv = await loadOpenCV()`, toMat/fromMat, cvFilter((cv, src, dst, tmp) => ...).
export { cvFilter, fromMat, loadOpenCV, SCRATCH_MATS, toMat } from './vision/opencv';
export type { CV, CvFilterFunction, Mat } from './vision/opencv';
