/**
 * detectFaces(): an RxJS operator from video Frames to FrameAnnotations (boxes labelled 'face'),
 * with the detection in a worker thread (face-worker.ts) so the kernel's main thread, and the video
 * it forwards, never wait for the model.
 *
 * Latest-first (latestFirst(), media/latest-first.ts): while one detection runs, only the newest
 * frame waits; older ones are skipped. The video keeps the camera's rate and the boxes come at the
 * model's rate, each for the newest frame there was, never from a backlog.
 *
 * One worker per weights folder is shared by every subscription (a streamer and a cell's own
 * subscription, say): it starts with the first and is terminated with the last, so a cell's
 * teardown (which unsubscribes) ends it. A frame's pixels are copied as it arrives, into a recycled
 * buffer that is transferred to the worker and back: per subscription at most one copy waits and
 * one is in the worker, whatever the source does with its frames afterwards.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { map, Observable, type OperatorFunction } from 'rxjs';
import type { BoxAnnotation, FrameAnnotations } from '../annotations/types';
import { errorMessage } from '../errors';
import { I420BufferPool } from '../media/buffer-pool';
import { decodedSizeProblem, i420Size, type Frame } from '../media/frame';
import { latestFirst } from '../media/latest-first';
import {
  BOX_FIELDS,
  detectParamsProblem,
  fromFaceWorkerProblem,
  type FaceDetectParams,
  type FaceWorkerInit,
  type FromFaceWorker,
  type ToFaceWorker,
} from './protocol';

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
/**
 * Detections waiting in one worker, all subscriptions together. Each subscription has at most one
 * (latest-first), so only a runaway number of subscriptions reaches this; beyond it a frame fails
 * rather than queueing copies of frames without end.
 */
const MAX_PENDING = 32;
/** Last characters the worker wrote to stderr, kept to explain a crash. */
const STDERR_TAIL = 1000;

function packagedModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

function resolveWorkerScript(): string {
  const candidates = [
    path.join(__dirname, 'face-worker.js'),
    path.resolve(__dirname, '..', '..', 'lib', 'detectors', 'face-worker.js'),
  ];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`face detector worker not found (looked at ${candidates.join(', ')}); build kernel-bridge first`);
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80));
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
}

/** detectFaces's options, checked: a mistake throws at once, saying what was expected. */
function checkOptions(options: unknown): { params: FaceDetectParams; modelDir: string } {
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
function frameProblem(value: unknown): string | null {
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

/** A frame's pixels copied as it arrived (see FaceWorker.snapshot). */
interface Snapshot {
  width: number;
  height: number;
  timestamp: number;
  buffer: ArrayBuffer;
}

interface Pending {
  resolve: (annotations: FrameAnnotations) => void;
  reject: (error: Error) => void;
  maxFaces: number;
  width: number;
  height: number;
  timestamp: number;
}

let liveWorkers = 0;
let startedWorkers = 0;
let exitWaiters: Array<() => void> = [];

/** One detector thread (weights loaded once) and the detections it is running for its users. */
class FaceWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  /** Per subscription: one snapshot waiting, one in the worker, one arriving; two subscriptions fit. */
  private readonly pool = new I420BufferPool(6);
  private nextId = 0;
  private failure: Error | null = null;
  private closed = false;
  private stderrTail = '';
  /** Told when the worker fails, so a subscription errors even with no frame in the worker. */
  private readonly failureWatchers = new Set<(error: Error) => void>();
  users = 0;

  constructor(
    readonly modelDir: string,
    private readonly onDead: (worker: FaceWorker, error: Error) => void,
  ) {
    const init: FaceWorkerInit = { modelDir };
    // stdout/stderr kept from the kernel's: a library's warning would otherwise land under
    // whichever cell runs. stderr's tail explains a crash.
    this.worker = new Worker(resolveWorkerScript(), { workerData: init, stdout: true, stderr: true });
    liveWorkers++;
    startedWorkers++;
    this.worker.stdout.resume();
    this.worker.stderr.setEncoding('utf8');
    this.worker.stderr.on('data', (text: string) => (this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL)));
    this.worker.on('message', (m: FromFaceWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(`the face detector's worker failed: ${errorMessage(e)}`));
    this.worker.once('exit', (code) => {
      liveWorkers--;
      if (liveWorkers === 0) {
        const waiters = exitWaiters;
        exitWaiters = [];
        for (const w of waiters) w();
      }
      if (this.closed) return;
      const said = this.stderrTail.trim();
      this.fail(`the face detector's worker exited unexpectedly (code ${code})${said ? `: ${said}` : ''}`);
    });
  }

  /**
   * A copy of `frame`'s pixels in a recycled buffer, taken as the frame arrives: a source or
   * transform that reuses one frame object for the next picture (a common way to avoid
   * allocations) must not change a frame waiting for the detector, nor its timestamp's picture.
   */
  snapshot(frame: Frame): Snapshot {
    const problem = frameProblem(frame);
    if (problem) throw new TypeError(`detectFaces expects video Frames (I420): ${problem}`);
    const { width, height, timestamp } = frame;
    const size = i420Size(width, height);
    const buffer = this.pool.take(width, height);
    new Uint8Array(buffer, 0, size).set(frame.data.subarray(0, size));
    return { width, height, timestamp, buffer };
  }

  /** A snapshot that will not be detected (a newer one replaced it): its buffer is reused. */
  recycle(snapshot: Snapshot): void {
    this.pool.give(snapshot.buffer);
  }

  /** The faces in a snapshot (whose buffer goes to the worker and comes back to the pool). */
  detect(snapshot: Snapshot, params: FaceDetectParams): Promise<FrameAnnotations> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending.size >= MAX_PENDING) {
      return Promise.reject(new Error(`detectFaces: more than ${MAX_PENDING} frames wait for the face detector`));
    }
    const { width, height, timestamp, buffer } = snapshot;
    const id = this.nextId++;
    const message: ToFaceWorker = {
      t: 'detect',
      id,
      width,
      height,
      buffer,
      inputSize: params.inputSize,
      scoreThreshold: params.scoreThreshold,
      maxFaces: params.maxFaces,
    };
    return new Promise<FrameAnnotations>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, maxFaces: params.maxFaces, width, height, timestamp });
      this.worker.postMessage(message, [buffer]);
    });
  }

  /** Calls `watcher` once if the worker fails (at once if it has); returns the unwatch function. */
  watchFailure(watcher: (error: Error) => void): () => void {
    if (this.failure) {
      watcher(this.failure);
      return () => undefined;
    }
    this.failureWatchers.add(watcher);
    return () => this.failureWatchers.delete(watcher);
  }

  /** Ends the thread (its users left, or it failed). What is pending is dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.clear();
    this.pool.clear();
    void this.worker.terminate();
  }

  private onMessage(m: FromFaceWorker): void {
    if (this.closed) return;
    const problem = fromFaceWorkerProblem(m, (id) => this.pending.get(id)?.maxFaces);
    if (problem) {
      this.fail(`the face detector's worker sent a bad message (${problem})`);
      return;
    }
    switch (m.t) {
      case 'ready':
        return;
      case 'faces': {
        const p = this.pending.get(m.id)!;
        this.pending.delete(m.id);
        this.pool.give(m.buffer);
        p.resolve(toAnnotations(m.boxes, p));
        return;
      }
      case 'failed': {
        const p = this.pending.get(m.id)!;
        this.pending.delete(m.id);
        p.reject(new Error(`detectFaces: ${m.message}`));
        return;
      }
      case 'fatal':
        this.fail(m.message);
        return;
    }
  }

  private fail(reason: string): void {
    if (this.failure) return;
    this.failure = new Error(`detectFaces: ${reason}`);
    const pending = [...this.pending.values()];
    this.close();
    this.onDead(this, this.failure);
    for (const p of pending) p.reject(this.failure);
    const watchers = [...this.failureWatchers];
    this.failureWatchers.clear();
    for (const w of watchers) w(this.failure);
  }
}

/** x, y, width, height, score per face (protocol.ts) → boxes in the frame's pixels. */
function toAnnotations(boxes: Float32Array, frame: Pending): FrameAnnotations {
  const items: BoxAnnotation[] = [];
  for (let i = 0; i < boxes.length; i += BOX_FIELDS) {
    items.push({
      kind: 'box',
      x: tenth(boxes[i]),
      y: tenth(boxes[i + 1]),
      width: tenth(boxes[i + 2]),
      height: tenth(boxes[i + 3]),
      label: 'face',
      score: Math.round(boxes[i + 4] * 1000) / 1000,
    });
  }
  return { timestamp: frame.timestamp, width: frame.width, height: frame.height, items };
}

/** A tenth of a pixel is finer than any overlay draws; shorter numbers keep the messages small. */
function tenth(v: number): number {
  return Math.round(v * 10) / 10;
}

/** The running worker of each weights folder. */
const workers = new Map<string, FaceWorker>();

/**
 * How long a weights folder whose worker failed (weights that did not load, a crash) fails again
 * at once, without a new thread. Whoever re-subscribes on error at once (the streamer's annotate()
 * does, to survive a transient failure) would otherwise start a thread, and load TensorFlow.js,
 * several times a second for as long as the folder stays broken.
 */
const FAILURE_MEMORY_MS = 3000;
const recentFailures = new Map<string, { error: Error; at: number }>();

function recentFailure(modelDir: string): Error | null {
  const failure = recentFailures.get(modelDir);
  if (!failure) return null;
  if (performance.now() - failure.at < FAILURE_MEMORY_MS) return failure.error;
  recentFailures.delete(modelDir);
  return null;
}

function acquire(modelDir: string): FaceWorker {
  let worker = workers.get(modelDir);
  if (!worker) {
    worker = new FaceWorker(modelDir, (dead, error) => {
      if (workers.get(dead.modelDir) === dead) workers.delete(dead.modelDir); // the next user starts afresh
      const now = performance.now();
      for (const [dir, f] of recentFailures) if (now - f.at >= FAILURE_MEMORY_MS) recentFailures.delete(dir);
      recentFailures.set(dead.modelDir, { error, at: now });
    });
    workers.set(modelDir, worker);
  }
  worker.users++;
  return worker;
}

/**
 * One user fewer. The thread ends once it has none, checked a turn later: a subscription replaced
 * by another in the same turn (a cell re-run swapping the streamer's annotate(), which unsubscribes
 * the old before subscribing the new) keeps the thread and its loaded model.
 */
function release(worker: FaceWorker): void {
  if (--worker.users > 0) return;
  setImmediate(() => {
    if (worker.users > 0) return;
    if (workers.get(worker.modelDir) === worker) workers.delete(worker.modelDir);
    worker.close();
  });
}

/** Face detector threads running now (one per weights folder in use). */
export function liveFaceWorkers(): number {
  return liveWorkers;
}

/** Face detector threads started so far (each loads TensorFlow.js and the weights). */
export function faceWorkersStarted(): number {
  return startedWorkers;
}

/** Resolves once no face detector thread runs (at once when none does). */
export function faceWorkersExited(): Promise<void> {
  if (liveWorkers === 0) return Promise.resolve();
  return new Promise((resolve) => exitWaiters.push(resolve));
}

/**
 * Detects faces in each frame, latest-first, off the main thread: emits one FrameAnnotations
 * (boxes labelled 'face' with their score, in the frame's pixels, the frame's timestamp) per frame
 * it ran on; frames that arrive while a detection runs are skipped but the newest. Bad options
 * throw at once; weights that fail to load, a crashed worker or an input that is not a Frame make
 * the observable error with a message saying which.
 *
 *     frames$.pipe(detectFaces({ inputSize: 320 })).subscribe((a) => console.log(a.items.length));
 */
export function detectFaces(options?: DetectFacesOptions): OperatorFunction<Frame, FrameAnnotations> {
  const { params, modelDir } = checkOptions(options);
  return (source) =>
    new Observable<FrameAnnotations>((subscriber) => {
      const failed = recentFailure(modelDir);
      if (failed) {
        // Fails on the next frame without starting a thread: see FAILURE_MEMORY_MS.
        return source
          .pipe(
            map((): FrameAnnotations => {
              throw failed;
            }),
          )
          .subscribe(subscriber);
      }
      const worker = acquire(modelDir);
      const unwatch = worker.watchFailure((error) => subscriber.error(error));
      const subscription = source
        .pipe(
          map((frame: Frame) => worker.snapshot(frame)),
          latestFirst((snapshot: Snapshot) => worker.detect(snapshot, params), {
            onDrop: (dropped) => worker.recycle(dropped),
          }),
        )
        .subscribe(subscriber);
      return () => {
        unwatch();
        subscription.unsubscribe();
        release(worker);
      };
    });
}
