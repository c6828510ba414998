/**
 * Messages between detectFaces() on the kernel's main thread (face-detector.ts) and the face
 * detector's worker thread (face-worker.ts), their limits, and the checks each side applies to
 * what it receives: the worker is ours, but a message that does not fit (a bad size, a box list
 * longer than asked for, a non-finite coordinate) must become a clear error, never a bad
 * annotation or an allocation sized by a wrong number.
 */
import { decodedSizeProblem, i420Size } from '../media/frame';

export interface FaceWorkerInit {
  /** Folder holding tiny_face_detector_model-weights_manifest.json and its .bin. */
  modelDir: string;
}

/** What one detection asks for (checked on the main thread, checked again by the worker). */
export interface FaceDetectParams {
  /** The side of the square the network sees: a multiple of 32. */
  inputSize: number;
  /** Boxes scoring below this are left out. */
  scoreThreshold: number;
  /** At most this many boxes, the best first. */
  maxFaces: number;
}

/**
 * Main → worker: detect faces in one I420 frame (`buffer` is a copy, transferred; it comes back
 * with the answer). The worker holds no files, so it is ended by terminate(), with no message.
 */
export type ToFaceWorker = {
  t: 'detect';
  id: number;
  width: number;
  height: number;
  buffer: ArrayBuffer;
} & FaceDetectParams;

/** Worker → main. */
export type FromFaceWorker =
  /** The weights are loaded: detections can run. */
  | { t: 'ready' }
  /**
   * The answer to `detect` number `id`: `boxes` holds BOX_FIELDS numbers per face (x, y, width,
   * height in the frame's pixels, then the score), best first. `buffer` is the frame copy, returned
   * for reuse.
   */
  | { t: 'faces'; id: number; boxes: Float32Array; buffer: ArrayBuffer }
  /** One detection failed (the worker goes on). */
  | { t: 'failed'; id: number; message: string }
  /** The detector cannot run (weights missing or unreadable): the worker ends after this. */
  | { t: 'fatal'; message: string };

/** Numbers per face in a `faces` message: x, y, width, height, score. */
export const BOX_FIELDS = 5;
/** Largest maxFaces accepted: bounds every answer to MAX_FACES * BOX_FIELDS numbers. */
export const MAX_FACES = 100;
/** inputSize bounds: face-api needs a multiple of 32; beyond 1024 a detection takes seconds. */
const MIN_INPUT_SIZE = 64;
const MAX_INPUT_SIZE = 1024;
/** Longest error text accepted from the worker. */
const MAX_ERROR_LENGTH = 2000;

/** Why these detection parameters are not acceptable, or null when they are. */
export function detectParamsProblem(p: FaceDetectParams): string | null {
  const { inputSize, scoreThreshold, maxFaces } = p;
  if (
    !Number.isInteger(inputSize) ||
    inputSize % 32 !== 0 ||
    inputSize < MIN_INPUT_SIZE ||
    inputSize > MAX_INPUT_SIZE
  ) {
    return `inputSize must be a multiple of 32 from ${MIN_INPUT_SIZE} to ${MAX_INPUT_SIZE}, got ${String(inputSize)}`;
  }
  if (typeof scoreThreshold !== 'number' || !(scoreThreshold > 0 && scoreThreshold < 1)) {
    return `scoreThreshold must be a number between 0 and 1 (exclusive), got ${String(scoreThreshold)}`;
  }
  if (!Number.isInteger(maxFaces) || maxFaces < 1 || maxFaces > MAX_FACES) {
    return `maxFaces must be a whole number from 1 to ${MAX_FACES}, got ${String(maxFaces)}`;
  }
  return null;
}

/** Why `m` is not a well-formed message to the worker, or null when it is (the worker's check). */
export function toFaceWorkerProblem(m: unknown): string | null {
  if (typeof m !== 'object' || m === null) return 'not an object';
  const msg = m as Partial<Record<string, unknown>>;
  switch (msg.t) {
    case 'detect': {
      if (!isId(msg.id)) return 'detect id is not a whole number';
      const { width, height } = msg as { width: number; height: number };
      const size = decodedSizeProblem(width, height);
      if (size) return size;
      if (!isArrayBuffer(msg.buffer) || msg.buffer.byteLength < i420Size(width, height)) {
        return `detect buffer is not an ArrayBuffer of ${i420Size(width, height)} bytes`;
      }
      return detectParamsProblem(msg as unknown as FaceDetectParams);
    }
    default:
      return `unknown message type ${String(msg.t)}`;
  }
}

/**
 * Why `m` is not a well-formed message from the worker, or null when it is (the main thread's
 * check). `maxFaces`: the most boxes the pending detection `id` asked for (undefined when no
 * detection with that id is pending, which makes a `faces` or `failed` message bad).
 */
export function fromFaceWorkerProblem(m: unknown, maxFacesOf: (id: number) => number | undefined): string | null {
  if (typeof m !== 'object' || m === null) return 'not an object';
  const msg = m as Partial<Record<string, unknown>>;
  switch (msg.t) {
    case 'ready':
      return null;
    case 'faces': {
      const maxFaces = isId(msg.id) ? maxFacesOf(msg.id) : undefined;
      if (maxFaces === undefined) return `faces for unknown detection ${String(msg.id)}`;
      const boxes = msg.boxes;
      if (!isFloat32Array(boxes)) return 'faces boxes is not a Float32Array';
      if (boxes.length % BOX_FIELDS !== 0 || boxes.length > maxFaces * BOX_FIELDS) {
        return `faces boxes holds ${boxes.length} numbers (at most ${maxFaces} faces of ${BOX_FIELDS} expected)`;
      }
      for (let i = 0; i < boxes.length; i++)
        if (!Number.isFinite(boxes[i])) return 'faces boxes holds a non-finite number';
      if (!isArrayBuffer(msg.buffer)) return 'faces buffer is not an ArrayBuffer';
      return null;
    }
    case 'failed':
      if (!isId(msg.id) || maxFacesOf(msg.id) === undefined) return `failed for unknown detection ${String(msg.id)}`;
      return errorTextProblem(msg.message);
    case 'fatal':
      return errorTextProblem(msg.message);
    default:
      return `unknown message type ${String(msg.t)}`;
  }
}

/** Cuts an error text to what the main thread accepts. */
export function fitErrorText(text: string): string {
  return text.length <= MAX_ERROR_LENGTH ? text : `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

function errorTextProblem(text: unknown): string | null {
  return typeof text === 'string' && text.length <= MAX_ERROR_LENGTH ? null : 'bad error message';
}

function isId(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** Realm-independent (under jest, a worker's buffers belong to another realm than `ArrayBuffer`). */
function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}
function isFloat32Array(value: unknown): value is Float32Array {
  return Object.prototype.toString.call(value) === '[object Float32Array]';
}
