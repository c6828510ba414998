/**
 * detectFaces()'s options and input checks: a mistake in a cell (an unknown option, an inputSize
 * the network cannot take, something that is not a Frame) must say what was expected, in the
 * words of the API, before anything is started or sent to the detector's thread.
 */
import * as path from 'node:path';
import { decodedSizeProblem, i420Size, type Frame } from '../media/frame';
import { detectParamsProblem, type FaceDetectParams } from './protocol';

export interface DetectFacesOptions {
  /**
   * The side of the square the network sees (a multiple of 32, 64 to 1024; default 416). Larger
   * finds smaller faces and takes longer: 416 takes ~70 ms and 320 ~40 ms at 640x480 here.
   */
  inputSize?: number;
  /** Boxes scoring below this (0 to 1, default 0.5) are left out. */
  scoreThreshold?: number;
  /** At most this many boxes per frame, the best first (1 to 100, default 20). */
  maxFaces?: number;
  /**
   * A folder holding tiny_face_detector_model-weights_manifest.json and its .bin (default: the
   * weights shipped inside the @vladmandic/face-api package).
   */
  modelDir?: string;
}

const DEFAULTS: FaceDetectParams = { inputSize: 416, scoreThreshold: 0.5, maxFaces: 20 };
const OPTION_NAMES = ['inputSize', 'scoreThreshold', 'maxFaces', 'modelDir'];
const MAX_PATH_LENGTH = 4096;

function packagedModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80));
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
}

/** detectFaces's options, checked: a mistake throws at once, saying what was expected. */
export function checkOptions(options: unknown): { params: FaceDetectParams; modelDir: string } {
  if (options === undefined) return { params: { ...DEFAULTS }, modelDir: packagedModelDir() };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`detectFaces options must be an object like { inputSize: 320 }, got ${describeValue(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !OPTION_NAMES.includes(k));
  if (unknown.length) {
    throw new TypeError(`detectFaces: unknown option ${unknown.join(', ')} (known: ${OPTION_NAMES.join(', ')})`);
  }
  const o = options as DetectFacesOptions;
  const params: FaceDetectParams = {
    inputSize: o.inputSize ?? DEFAULTS.inputSize,
    scoreThreshold: o.scoreThreshold ?? DEFAULTS.scoreThreshold,
    maxFaces: o.maxFaces ?? DEFAULTS.maxFaces,
  };
  const problem = detectParamsProblem(params);
  if (problem) throw new RangeError(`detectFaces: ${problem}`);
  if (o.modelDir === undefined) return { params, modelDir: packagedModelDir() };
  if (typeof o.modelDir !== 'string' || o.modelDir.trim() === '' || o.modelDir.length > MAX_PATH_LENGTH) {
    throw new TypeError(`detectFaces: modelDir must be a folder path, got ${describeValue(o.modelDir)}`);
  }
  if (o.modelDir.includes('\0')) throw new TypeError('detectFaces: invalid modelDir');
  return { params, modelDir: path.resolve(o.modelDir) };
}

/** Why `value` is not a Frame detectFaces can read, or null. */
export function frameProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return `got ${describeValue(value)}`;
  const f = value as Partial<Frame>;
  if (typeof f.width !== 'number' || typeof f.height !== 'number') return `got ${describeValue(value)}, not a Frame`;
  const size = decodedSizeProblem(f.width, f.height);
  if (size) return size;
  if (typeof f.timestamp !== 'number' || !Number.isFinite(f.timestamp)) return 'its timestamp is not a finite number';
  const data = f.data as unknown;
  const bytes = ArrayBuffer.isView(data) && (data as Uint8Array).BYTES_PER_ELEMENT === 1;
  if (!bytes || data.byteLength < i420Size(f.width, f.height)) {
    return `its data is not ${i420Size(f.width, f.height)} bytes of I420`;
  }
  return null;
}
