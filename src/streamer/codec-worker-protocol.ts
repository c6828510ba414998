/**
 * The messages between the page and the kernel transport's codec worker (codec-worker.ts), in one
 * place so both ends agree. Within one page and one bundle: typed, not validated.
 */

/** The page to the worker. */
export type ToCodecWorker =
  /** Where decoded frames go: the output track's writable (transferred). */
  | { type: 'output'; frames: WritableStream<VideoFrame> }
  /** The camera's frames to encode (transferred; again for a switched camera), at this bitrate (null: default). */
  | { type: 'camera'; frames: ReadableStream<VideoFrame>; bitrate: number | null }
  /**
   * Frames the link may still send, how many chunks it has been given so far, and the quality
   * setting's bitrate now (null: default; a change reconfigures the encoder).
   */
  | { type: 'credit'; free: number; seen: number; bitrate: number | null }
  | { type: 'keyframe' }
  /** One of the kernel's frames (a copy, transferred). */
  | { type: 'decode'; data: ArrayBuffer; key: boolean; timestampMs: number }
  | { type: 'close' };

/** The worker to the page. */
export type FromCodecWorker =
  /** One encoded camera frame (timestamp µs, as WebCodecs'). */
  | { type: 'chunk'; data: ArrayBuffer; key: boolean; timestamp: number }
  | { type: 'decode_error' }
  | { type: 'error'; message: string };
