/**
 * Messages between a media file's main-thread handle (media-file.ts) and its decode worker
 * (file-worker.ts), with the checks the main thread applies to what the worker posts: the
 * worker is ours, but a message that does not fit must become a clear error, not a bad Frame.
 */
import { MAX_AUDIO_CHANNELS, MAX_AUDIO_SAMPLES } from '../media';
import { decodedSizeProblem, i420Size } from '../media/frame';

export interface FileWorkerInit {
  path: string;
  loop: boolean;
}

/** Main → worker. */
export type ToFileWorker =
  /** The main thread handed on `video` frames and `audio` frames: the worker may post that many more. */
  | { t: 'ack'; video: number; audio: number }
  /** Stop decoding, release everything, end the thread. */
  | { t: 'stop' };

/** Worker → main. */
export type FromFileWorker =
  /** `dropped`: frames the worker skipped so far (latest-first: the main thread had not taken them). */
  | { t: 'frame'; width: number; height: number; timestamp: number; buffer: ArrayBuffer; dropped: number }
  | { t: 'audio'; sampleRate: number; channels: number; samples: number; timestamp: number; buffer: ArrayBuffer }
  /** The end of the file (never with `loop`): the observables complete. */
  | { t: 'end' }
  /** Fatal: the observables error with `message` (it names the file and the reason). */
  | { t: 'error'; message: string };

/** Video frames posted and not yet acknowledged: one being delivered, one on its way. */
export const MAX_VIDEO_IN_FLIGHT = 2;
/** Audio frames posted and not yet acknowledged (20 ms each: half a second). */
export const MAX_AUDIO_IN_FLIGHT = 25;
/** Samples per channel of the audio frames a file yields (20 ms at 48 kHz, as WebRTC's Opus). */
export const AUDIO_FRAME_SAMPLES = 960;
export const AUDIO_SAMPLE_RATE = 48000;
/** Longest error text accepted from the worker. */
const MAX_ERROR_LENGTH = 2000;

/** Why `m` is not a well-formed worker message, or null when it is. */
export function fileWorkerMessageProblem(m: unknown): string | null {
  if (typeof m !== 'object' || m === null) return 'not an object';
  const msg = m as Partial<Record<string, unknown>> & { t?: unknown };
  const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  switch (msg.t) {
    case 'frame': {
      const { width, height } = msg as { width: number; height: number };
      const size = decodedSizeProblem(width, height);
      if (size) return size;
      if (!finite(msg.timestamp)) return 'frame timestamp is not a finite number';
      if (!Number.isInteger(msg.dropped) || (msg.dropped as number) < 0)
        return 'frame dropped count is not a whole number';
      if (!isArrayBuffer(msg.buffer) || msg.buffer.byteLength < i420Size(width, height)) {
        return `frame buffer is not an ArrayBuffer of ${i420Size(width, height)} bytes`;
      }
      return null;
    }
    case 'audio': {
      const { channels, samples } = msg as { channels: number; samples: number };
      if (msg.sampleRate !== AUDIO_SAMPLE_RATE) return `audio sampleRate ${String(msg.sampleRate)} is not 48000`;
      if (!Number.isInteger(channels) || channels < 1 || channels > MAX_AUDIO_CHANNELS) return 'bad audio channels';
      if (!Number.isInteger(samples) || samples < 1 || samples > MAX_AUDIO_SAMPLES) return 'bad audio samples';
      if (!finite(msg.timestamp)) return 'audio timestamp is not a finite number';
      if (!isArrayBuffer(msg.buffer) || msg.buffer.byteLength < samples * channels * 4) {
        return 'audio buffer is too short';
      }
      return null;
    }
    case 'end':
      return null;
    case 'error':
      return typeof msg.message === 'string' && msg.message.length <= MAX_ERROR_LENGTH ? null : 'bad error message';
    default:
      return `unknown message type ${String(msg.t)}`;
  }
}

/** Cuts an error text to what the main thread accepts. */
export function fitErrorText(text: string): string {
  return text.length <= MAX_ERROR_LENGTH ? text : `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

/** Realm-independent (under jest, a worker's buffers belong to another realm than `ArrayBuffer`). */
function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}
