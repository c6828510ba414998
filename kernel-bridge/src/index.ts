/**
 * The notebook API of jupyterlab-webrtc: `import { ... } from "jupyterlab-webrtc-bridge"` in a cell
 * of the TypeScript (WebRTC) kernel.
 */
import { DisplayOptions, getKernelApi } from './kernel/api';

export { getKernelApi, MIME_BUNDLE } from './kernel/api';
export type {
  Comm,
  CommManager,
  CommMessage,
  DisplayOptions,
  Displayable,
  JSONObject,
  JSONValue,
  KernelApi,
  MimeBundle,
} from './kernel/api';

/**
 * Shows a value under the running cell: a widget, a `{data: {'mime/type': ...}}` bundle, or any
 * value as text. With `displayId`, a later `display(x, {displayId, update: true})` replaces it.
 */
export function display(value: unknown, options?: DisplayOptions): void {
  getKernelApi().display(value, options);
}

export * from './widgets';
export { webrtcStreamer, WebRtcStreamer } from './streamer';
export type { StreamerOptions, Transform, KernelStatus } from './streamer';
export { createI420Frame, frameFromRGBA, I420Frame, latestFirst } from './media';
export type { Frame, LatestFirstOptions } from './media';
