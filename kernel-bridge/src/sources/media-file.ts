/**
 * mediaFile(): any file FFmpeg reads, as an Observable of video Frames with an `audio$` of
 * AudioFrames, played in real time. The decoding runs in a worker thread per playing file
 * (file-worker.ts); this side turns its messages into frames and hands them to the subscribers.
 *
 * Shared: every subscriber of the frames and of audio$ sees ONE decode. It starts with the first
 * subscription and stops (the worker ends) with the last unsubscription; subscribing again after
 * that plays the file from its start. Nothing reuses a frame's pixels afterwards (a subscriber may
 * keep it), but every subscriber gets the SAME frame: treat frames as read-only, as with any shared
 * Observable (a transform that edits one in place changes it for the other streams).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Observable, Subject, Subscriber } from 'rxjs';
import { audioFrameProblem, type AudioFrame } from '../media';
import { I420Frame, i420Size, type Frame } from '../media/frame';
import { fileWorkerMessageProblem, type FileWorkerInit, type FromFileWorker, type ToFileWorker } from './protocol';

export interface MediaFileOptions {
  /** Start again at the end (timestamps keep increasing); default false: the observables complete. */
  loop?: boolean;
}

/** How long a stopped worker may take to release the file before it is terminated. */
const STOP_GRACE_MS = 2000;
const MAX_PATH_LENGTH = 4096;

function resolveWorkerScript(): string {
  const candidates = [
    path.join(__dirname, 'file-worker.js'),
    path.resolve(__dirname, '..', '..', 'lib', 'sources', 'file-worker.js'),
  ];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`media file worker not found (looked at ${candidates.join(', ')}); build kernel-bridge first`);
}

/** Checks mediaFile's arguments: a programming error throws at once, with what was expected. */
function checkArguments(file: unknown, options: unknown): { path: string; loop: boolean } {
  if (typeof file !== 'string' || file.trim() === '') {
    throw new TypeError(`mediaFile needs a file path (a non-empty string), got ${describeValue(file)}`);
  }
  if (file.length > MAX_PATH_LENGTH || file.includes('\0')) throw new TypeError('mediaFile: invalid file path');
  if (options === undefined) return { path: path.resolve(file), loop: false };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`mediaFile options must be an object like { loop: true }, got ${describeValue(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => k !== 'loop');
  if (unknown.length) throw new TypeError(`mediaFile: unknown option ${unknown.join(', ')} (known: loop)`);
  const loop = (options as MediaFileOptions).loop;
  if (loop !== undefined && typeof loop !== 'boolean') {
    throw new TypeError(`mediaFile: loop must be true or false, got ${describeValue(loop)}`);
  }
  return { path: path.resolve(file), loop: loop ?? false };
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80));
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Decode workers started and not yet exited, all files together. */
let liveWorkers = 0;

/** One decode: the worker and what it sends, shared by every subscriber until the last leaves. */
class Playback {
  readonly video = new Subject<Frame>();
  readonly audio = new Subject<AudioFrame>();
  private readonly worker: Worker;
  private stopping = false;
  private ended = false;
  /**
   * Video frames not yet handed out: at most MAX_VIDEO_IN_FLIGHT, which the worker enforces (it
   * keeps only its newest frame beyond that), so they are all delivered, in order.
   */
  private readonly videoQueue: Frame[] = [];
  private readonly audioQueue: AudioFrame[] = [];
  private deliveryScheduled = false;
  /** Video frames handed to the subscribers, and skipped by the worker because they were not taken in time. */
  delivered = 0;
  dropped = 0;

  constructor(
    private readonly file: string,
    loop: boolean,
    private readonly onEnd: (playback: Playback) => void,
  ) {
    const init: FileWorkerInit = { path: file, loop };
    this.worker = new Worker(resolveWorkerScript(), { workerData: init });
    liveWorkers++;
    this.worker.once('exit', () => liveWorkers--);
    this.worker.on('message', (m: FromFileWorker) => this.onMessage(m));
    this.worker.on('error', (e) =>
      this.fail(`the decode worker failed: ${e instanceof Error ? e.message : String(e)}`),
    );
    this.worker.on('exit', (code) => {
      if (!this.stopping && !this.ended) this.fail(`the decode worker exited unexpectedly (code ${code})`);
    });
  }

  /** Ends the decode (the last subscriber left); the subjects are left as they are. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.post({ t: 'stop' });
    const timer = setTimeout(() => void this.worker.terminate(), STOP_GRACE_MS);
    timer.unref();
    this.worker.once('exit', () => clearTimeout(timer));
  }

  private onMessage(m: FromFileWorker): void {
    if (this.stopping || this.ended) return;
    const problem = fileWorkerMessageProblem(m);
    if (problem) {
      this.fail(`the decode worker sent a bad message (${problem})`);
      return;
    }
    switch (m.t) {
      case 'frame':
        this.videoQueue.push(
          new I420Frame(m.width, m.height, m.timestamp, new Uint8Array(m.buffer, 0, i420Size(m.width, m.height))),
        );
        this.dropped = m.dropped;
        break;
      case 'audio': {
        const audio: AudioFrame = {
          sampleRate: m.sampleRate,
          channels: m.channels,
          samples: m.samples,
          timestamp: m.timestamp,
          data: new Float32Array(m.buffer, 0, m.samples * m.channels),
        };
        const bad = audioFrameProblem(audio); // the shared check of every AudioFrame boundary
        if (bad) {
          this.fail(`the decode worker sent a bad audio frame (${bad})`);
          return;
        }
        this.audioQueue.push(audio);
        break;
      }
      case 'end':
        this.deliver();
        this.ended = true;
        this.onEnd(this);
        this.video.complete();
        this.audio.complete();
        return;
      case 'error':
        this.fail(m.message);
        return;
    }
    this.scheduleDelivery();
  }

  /**
   * Hands frames to the subscribers outside the port's message handler (Node runs up to 1000 port
   * messages before it returns to the event loop: a slow subscriber there would starve the kernel),
   * then acknowledges them so the worker may post more.
   */
  private scheduleDelivery(): void {
    if (this.deliveryScheduled) return;
    this.deliveryScheduled = true;
    setImmediate(() => {
      this.deliveryScheduled = false;
      this.deliver();
    });
  }

  private deliver(): void {
    if (this.stopping) return;
    const audio = this.audioQueue.splice(0);
    const frames = this.videoQueue.splice(0);
    for (const a of audio) this.audio.next(a);
    for (const frame of frames) this.video.next(frame);
    this.delivered += frames.length;
    if (audio.length || frames.length) this.post({ t: 'ack', video: frames.length, audio: audio.length });
  }

  private fail(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    this.stop();
    const error = new Error(`mediaFile(${JSON.stringify(this.file)}): ${reason}`);
    this.video.error(error);
    this.audio.error(error);
  }

  private post(msg: ToFileWorker): void {
    try {
      this.worker.postMessage(msg);
    } catch {
      /* the worker is gone; its exit is handled */
    }
  }
}

/** The one decode of a MediaFile, started by its first subscriber and stopped after its last. */
class SharedPlayback {
  private playback: Playback | null = null;
  /** The latest playback (running or ended), for its counts. */
  last: Playback | null = null;
  private users = 0;

  constructor(
    private readonly file: string,
    private readonly loop: boolean,
  ) {}

  get playing(): boolean {
    return this.playback !== null;
  }

  join<T>(subscriber: Subscriber<T>, pick: (p: Playback) => Subject<T>): () => void {
    this.playback ??= this.last = new Playback(this.file, this.loop, (p) => this.forget(p));
    const playback = this.playback;
    this.users++;
    const subscription = pick(playback).subscribe(subscriber);
    return () => {
      subscription.unsubscribe();
      if (this.playback !== playback) return; // it ended (or failed) already
      if (--this.users === 0) {
        this.playback = null;
        playback.stop();
      }
    };
  }

  /** The playback ended or failed: the next subscriber starts a new one. */
  private forget(playback: Playback): void {
    if (this.playback === playback) {
      this.playback = null;
      this.users = 0;
    }
  }
}

/**
 * A media file as a shared, real-time Observable of its video frames, with `audio$` for its sound.
 * Made by mediaFile(); pass it as a streamer's `source`, or subscribe to it yourself.
 */
export class MediaFile extends Observable<Frame> {
  /** The file's sound as AudioFrames (float32 interleaved, 48 kHz, 20 ms), on the video's clock. */
  readonly audio$: Observable<AudioFrame>;
  /** The absolute path played. */
  readonly path: string;
  readonly loop: boolean;
  private readonly shared: SharedPlayback;

  constructor(file: string, options?: MediaFileOptions) {
    const checked = checkArguments(file, options);
    const shared = new SharedPlayback(checked.path, checked.loop);
    super((subscriber) => shared.join(subscriber, (p) => p.video));
    this.shared = shared;
    this.path = checked.path;
    this.loop = checked.loop;
    this.audio$ = new Observable<AudioFrame>((subscriber) => shared.join(subscriber, (p) => p.audio));
  }

  /** True while the file is being decoded (someone is subscribed). */
  get playing(): boolean {
    return this.shared.playing;
  }

  /**
   * Video frames of the latest playback handed to the subscribers, and skipped because they
   * had not taken the ones before in time (latest-first); the two add up to the frames decoded.
   */
  get frameCounts(): { delivered: number; dropped: number } {
    const p = this.shared.last;
    return { delivered: p?.delivered ?? 0, dropped: p?.dropped ?? 0 };
  }

  /** Decode worker threads running now, all media files together (one per playing file). */
  static get liveWorkers(): number {
    return liveWorkers;
  }

  toString(): string {
    return `mediaFile(${JSON.stringify(this.path)}${this.loop ? ', { loop: true }' : ''})`;
  }
}

/**
 * Plays a media file (anything FFmpeg reads: MP4, WebM, MKV, MOV...) in real time: an Observable
 * of its video frames (I420) with `audio$` for its sound. Decoding happens off the kernel's main
 * thread and starts when the first subscriber comes; several subscribers share one decode. A file
 * that cannot be played (missing, not media, no video, unsupported codec, broken part-way) makes
 * both observables error with the path and the reason.
 */
export function mediaFile(file: string, options?: MediaFileOptions): MediaFile {
  return new MediaFile(file, options);
}
