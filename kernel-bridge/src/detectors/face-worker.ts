/**
 * Worker-thread entry of the face detector (the script face-detector.ts starts:
 * lib/detectors/face-worker.js). A detection takes ~70 ms of one core: on the kernel's main thread
 * it would stall the video (30 fps leaves 33 ms a frame) and every cell, so it runs here.
 *
 * It loads TensorFlow.js with its WASM backend and face-api's TinyFaceDetector, whose weights are
 * read from a folder on disk (by default the one inside the @vladmandic/face-api package: nothing
 * is fetched), then answers `detect` messages one at a time: the I420 frame is scaled natively
 * (swscale) to fit the network's input size, converted to RGB, and its boxes are sent back in the
 * frame's own pixels with the frame's buffer, for reuse.
 */
import { readFileSync, statSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { errorMessage } from '../errors';
import { allocI420Buffer, I420Frame, i420Size, scaleI420 } from '../media/frame';
import {
  BOX_FIELDS,
  fitErrorText,
  toFaceWorkerProblem,
  type FaceWorkerInit,
  type FromFaceWorker,
  type ToFaceWorker,
} from './protocol';

const MANIFEST = 'tiny_face_detector_model-weights_manifest.json';
/** The package's manifest is 3 kB and its weights 190 kB; these bound what a wrong folder can cost. */
const MAX_MANIFEST_BYTES = 1 << 20;
const MAX_WEIGHTS_BYTES = 64 << 20;
/**
 * How much nicer than the kernel this thread runs. When the cores are busy (two cores, the video's
 * codecs, a browser on the same machine), the video must keep its rate and the detector take what
 * is left: latest-first makes a slower detector cost only box updates. On Linux a thread's nice
 * value is its own (setpriority with pid 0 changes the calling thread only).
 */
const DETECTOR_NICENESS = 10;

const port = parentPort;
if (!port) throw new Error('detectors/face-worker must run in a worker thread');
const init = workerData as FaceWorkerInit;

const post = (msg: FromFaceWorker, transfer?: ArrayBuffer[]): void => port.postMessage(msg, transfer);

/** Bytes of one value of a weights manifest dtype (quantised weights are stored as their quantisation dtype). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, uint16: 2, float16: 2, uint8: 1, bool: 1 };

interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Why `group` is not a weights manifest group, or null. */
function groupProblem(group: unknown): string | null {
  const g = group as Partial<ManifestGroup> | null;
  if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights)) return 'a group has no paths or weights list';
  // Plain file names only: the manifest must not lead outside its folder.
  for (const p of g.paths) if (typeof p !== 'string' || p === '' || path.basename(p) !== p) return 'a bad weights path';
  for (const w of g.weights) {
    const entry = w as Partial<tf.io.WeightsManifestEntry> | null;
    if (!entry || typeof entry.name !== 'string' || !Array.isArray(entry.shape))
      return 'a weight without name or shape';
    if (!entry.shape.every((d) => Number.isInteger(d) && d >= 0)) return `weight ${entry.name} has a bad shape`;
    const dtype = entry.quantization?.dtype ?? entry.dtype;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) return `weight ${entry.name} has an unknown dtype`;
  }
  return null;
}

function expectedBytes(weights: tf.io.WeightsManifestEntry[]): number {
  let total = 0;
  for (const w of weights) {
    total += w.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[w.quantization?.dtype ?? w.dtype];
  }
  return total;
}

function readBounded(file: string, max: number): Buffer {
  const size = statSync(file).size;
  if (size > max) throw new Error(`${file} is ${size} bytes (at most ${max} expected)`);
  return readFileSync(file);
}

/** The TinyFaceDetector weights in `dir`, checked against their manifest (names, shapes, sizes). */
function loadWeights(dir: string): tf.NamedTensorMap {
  const manifestPath = path.join(dir, MANIFEST);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readBounded(manifestPath, MAX_MANIFEST_BYTES).toString('utf8'));
  } catch (error) {
    throw new Error(`cannot read ${manifestPath}: ${errorMessage(error)}`);
  }
  if (!Array.isArray(manifest) || manifest.length === 0) throw new Error(`${manifestPath} is not a weights manifest`);
  const chunks: Buffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  let total = 0;
  for (const group of manifest) {
    const problem = groupProblem(group);
    if (problem) throw new Error(`${manifestPath} is not a weights manifest (${problem})`);
    const { paths, weights } = group as ManifestGroup;
    let groupBytes = 0;
    for (const p of paths) {
      const chunk = readBounded(path.join(dir, p), MAX_WEIGHTS_BYTES - total);
      chunks.push(chunk);
      groupBytes += chunk.byteLength;
      total += chunk.byteLength;
    }
    const expected = expectedBytes(weights);
    if (groupBytes !== expected) {
      throw new Error(`${paths.join(', ')} in ${dir} hold ${groupBytes} bytes; the manifest describes ${expected}`);
    }
    specs.push(...weights);
  }
  const all = Buffer.concat(chunks);
  return tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), specs);
}

function lowerPriority(): void {
  try {
    setPriority(0, Math.min(19, getPriority(0) + DETECTOR_NICENESS));
  } catch {
    // not permitted here (or not supported): the detector runs at the kernel's priority
  }
}

async function start(): Promise<faceapi.TinyFaceDetector> {
  lowerPriority();
  // The WASM binaries ship in the backend's package: point the backend at them by path, so it
  // reads them from disk instead of fetching them from a CDN.
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  setWasmPaths(wasmDir + path.sep);
  // One thread: the detector takes one core and leaves the other to the video and the kernel.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js WASM backend did not start');
  await tf.ready();
  let weights: tf.NamedTensorMap;
  try {
    weights = loadWeights(init.modelDir);
  } catch (error) {
    throw new Error(`could not load the face detector's weights: ${errorMessage(error)}`);
  }
  const net = new faceapi.TinyFaceDetector();
  try {
    // face-api's .d.ts carries its own copy of TensorFlow.js's types; at run time its `tf` is this
    // very @tensorflow/tfjs module (it requires it), so its tensors are ours.
    net.loadFromWeightMap(weights as unknown as faceapi.tf.NamedTensorMap);
  } catch (error) {
    tf.dispose(Object.values(weights));
    throw new Error(`the weights in ${init.modelDir} do not fit the TinyFaceDetector: ${errorMessage(error)}`);
  }
  return net;
}

/** Buffers kept between detections (per input size), so a frame costs no new pixel arrays here. */
let scaled: { width: number; height: number; i420: Uint8Array; rgba: Uint8Array } | null = null;

function scratchFor(width: number, height: number): NonNullable<typeof scaled> {
  if (scaled?.width !== width || scaled.height !== height) {
    scaled = {
      width,
      height,
      i420: new Uint8Array(allocI420Buffer(width, height), 0, i420Size(width, height)),
      rgba: new Uint8Array(width * height * 4),
    };
  }
  return scaled;
}

/**
 * The frame as an RGB tensor no larger than the network's input: the network pads its input to
 * a square and scales it to inputSize anyway, and swscale does the scaling much faster than a
 * tensor op on the full frame (and filters better than bilinear sampling).
 */
function inputTensor(m: ToFaceWorker): faceapi.tf.Tensor3D {
  const { width, height, inputSize } = m;
  const frame = new I420Frame(width, height, 0, new Uint8Array(m.buffer, 0, i420Size(width, height)));
  const fit = Math.min(1, inputSize / Math.max(width, height));
  const w = Math.max(1, Math.round(width * fit));
  const h = Math.max(1, Math.round(height * fit));
  const scratch = scratchFor(w, h);
  let small: I420Frame = frame;
  if (w !== width || h !== height) {
    scaleI420(frame.data, width, height, scratch.i420, w, h);
    small = new I420Frame(w, h, 0, scratch.i420);
  }
  small.toRGBA(scratch.rgba);
  const ft = faceapi.tf;
  return ft.tidy(() => ft.slice(ft.tensor3d(scratch.rgba, [h, w, 4], 'int32'), [0, 0, 0], [h, w, 3]));
}

async function detect(net: faceapi.TinyFaceDetector, m: ToFaceWorker): Promise<void> {
  let found: faceapi.FaceDetection[];
  const input = inputTensor(m);
  try {
    const options = new faceapi.TinyFaceDetectorOptions({ inputSize: m.inputSize, scoreThreshold: m.scoreThreshold });
    found = await net.locateFaces(input, options);
  } finally {
    input.dispose();
  }
  found.sort((a, b) => b.score - a.score);
  const n = Math.min(found.length, m.maxFaces);
  const boxes = new Float32Array(n * BOX_FIELDS);
  for (let i = 0; i < n; i++) {
    // relativeBox is in [0, 1] of the (scaled) input: the same fractions of the full frame.
    const r = found[i].relativeBox;
    const x0 = clamp(r.x) * m.width;
    const y0 = clamp(r.y) * m.height;
    const x1 = clamp(r.x + r.width) * m.width;
    const y1 = clamp(r.y + r.height) * m.height;
    boxes.set([x0, y0, x1 - x0, y1 - y0, found[i].score], i * BOX_FIELDS);
  }
  post({ t: 'faces', id: m.id, boxes, buffer: m.buffer }, [boxes.buffer as ArrayBuffer, m.buffer]);
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

const ready = start();
ready.then(
  () => post({ t: 'ready' }),
  (error: unknown) => {
    post({ t: 'fatal', message: fitErrorText(errorMessage(error)) }); // the main thread ends this thread
  },
);

/** Detections run one after another, in the order asked. */
let queue: Promise<unknown> = ready;

port.on('message', (m: ToFaceWorker) => {
  const problem = toFaceWorkerProblem(m);
  if (problem) {
    // Only a bug on the main thread gets here; say so rather than guess what was meant.
    post({ t: 'fatal', message: `the face detector received a bad message (${problem})` });
    return;
  }
  queue = queue
    .then(() => ready)
    .then(
      (net) =>
        detect(net, m).catch((error: unknown) =>
          post({ t: 'failed', id: m.id, message: fitErrorText(`face detection failed: ${errorMessage(error)}`) }),
        ),
      () => undefined, // the start failed and was reported
    );
});
