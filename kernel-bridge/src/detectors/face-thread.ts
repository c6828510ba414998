/**
 * One face detector thread (face-worker.ts) seen from the kernel's main thread: it starts the
 * worker, copies frames into recycled buffers (snapshots) and sends them, turns the answers into
 * FrameAnnotations, checks every message from the worker (protocol.ts), and turns a failure
 * (weights that did not load, a crash, a bad message) into one clear Error for everything waiting
 * on it. Sharing a thread between subscriptions is face-detector.ts's job.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BoxAnnotation, FrameAnnotations } from '../annotations/types';
import { errorMessage } from '../errors';
import { I420BufferPool } from '../media/buffer-pool';
import { i420Size, type Frame } from '../media/frame';
import { frameProblem } from './face-options';
import {
  BOX_FIELDS,
  fromFaceWorkerProblem,
  type FaceDetectParams,
  type FaceWorkerInit,
  type FromFaceWorker,
  type ToFaceWorker,
} from './protocol';

/**
 * Detections waiting in one worker, all subscriptions together. Each subscription has at most one
 * (latest-first), so only a runaway number of subscriptions reaches this; beyond it a frame fails
 * rather than queueing copies of frames without end.
 */
const MAX_PENDING = 32;
/** Last characters the worker wrote to stderr, kept to explain a crash. */
const STDERR_TAIL = 1000;

function resolveWorkerScript(): string {
  const candidates = [
    path.join(__dirname, 'face-worker.js'),
    path.resolve(__dirname, '..', '..', 'lib', 'detectors', 'face-worker.js'),
  ];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`face detector worker not found (looked at ${candidates.join(', ')}); build kernel-bridge first`);
}

/** A frame's pixels copied as it arrived (see FaceWorker.snapshot). */
export interface Snapshot {
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
export class FaceWorker {
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
