/**
 * Runs the notebook's transform over incoming frames (video Frames, or AudioFrames for
 * transformAudio: the same class, given what a valid output looks like) and hands each output frame on. The
 * transform can be swapped at any time (a re-run cell) without touching the connection.
 *
 * When the transform throws (or its observable errors, or it emits something that is not a
 * frame), the frame it failed on is passed through unchanged, the error is reported, and the
 * transform is subscribed again before a later frame (retry-gate.ts: the next one, then with a
 * backoff; frames waiting for it pass through): the stream never stops, and a transform that fails
 * on every frame shows the camera unprocessed until it is fixed.
 *
 * Two entries: push() for the browser's frames (on frames$, and into the transform unless the
 * stream has a source), pushSource() for a source's frames (into the transform only), so frames$
 * is always the camera, and a transform fed by a source can still mix the camera in.
 */
import { Observable, Subject, Subscription } from 'rxjs';
import type { AudioFrame, Frame } from '../media';
import { audioFrameProblem } from '../media/audio-frame';
import { RetryGate } from './retry-gate';

/** Retimed frames remembered (outputTimestampOf()): ~2 s at 30 fps, more than an annotation's delay. */
const RETIMED_KEPT = 64;

export type Transform = (frames$: Observable<Frame>) => Observable<Frame>;

/** What transformAudio takes: `(audio$) => audio$.pipe(map(...))`, AudioFrames in and out. */
export type AudioTransform = (audio$: Observable<AudioFrame>) => Observable<AudioFrame>;

/** Why a transform's output is not a valid item, or null when it is. */
export type OutputCheck = (value: unknown) => string | null;

const videoOutputCheck: OutputCheck = (value) =>
  isFrame(value) ? null : 'the transform emitted something that is not a Frame (width, height, I420 data)';

export const audioOutputCheck: OutputCheck = (value) => {
  const problem = audioFrameProblem(value);
  return problem === null ? null : `transformAudio emitted a malformed AudioFrame: ${problem}`;
};

export interface PipelineEvents<T = Frame> {
  output(frame: T): void;
  error(error: unknown): void;
  /** The transform produced a frame again after an error. */
  recovered(): void;
  /**
   * Runs the notebook's code: setting the transform up and each frame through it. The streamer
   * uses it to capture what that code prints (and what it starts: timers, promises) for its log.
   */
  run?<T>(fn: () => T): T;
}

export class TransformPipeline<T = Frame> {
  /** The transform's input. */
  private readonly input = new Subject<T>();
  /** The browser's frames. */
  private readonly received = new Subject<T>();
  private transform: (input$: Observable<T>) => Observable<T> = passThrough;
  private subscription: Subscription | null = null;
  private latest: T | null = null;
  private inputAt = 0;
  private failing = false;
  /** When a transform whose observable errored is subscribed again. */
  private readonly retryGate = new RetryGate();
  /** Input timestamp -> timestamp of the output made from it, for the last RETIMED_KEPT retimed frames. */
  private readonly retimedFrom = new Float64Array(RETIMED_KEPT);
  private readonly retimedTo = new Float64Array(RETIMED_KEPT);
  private retimedNext = 0;
  /** The frame the last failure passed through (so a frame is never passed through twice). */
  private passedOn: T | null = null;
  /** Smoothed time from a frame entering the transform to its output, ms. */
  transformMs = 0;
  /** Frames pushed so far (the number of the latest one), for the log. */
  frameCount = 0;
  /** Frames the transform produced, and the errors it raised (each passes its frame through), for the stats. */
  transformed = 0;
  transformErrors = 0;

  /** The browser's frames (whether or not they feed the transform). */
  readonly frames$: Observable<T> = this.received.asObservable();
  private readonly input$: Observable<T> = this.input.asObservable();

  constructor(
    private readonly events: PipelineEvents<T>,
    private readonly check: OutputCheck = videoOutputCheck,
    /**
     * Whether a new transform is tried at once on the latest input (video: its error shows under the
     * cell that set it). Not for audio: the latest 20 ms would be heard twice.
     */
    private readonly retryOnSwap = true,
  ) {
    this.subscribe();
  }

  /**
   * On a running stream the new transform is tried at once on the latest frame, so an error it
   * throws is raised while the cell that set it is still running (and shown under that cell).
   */
  setTransform(transform: (input$: Observable<T>) => Observable<T>): void {
    this.transform = transform;
    this.failing = false;
    this.retryGate.reset();
    this.subscribe();
    if (this.latest && this.retryOnSwap) this.retry(this.latest);
  }

  /** The latest input again, through the new transform only (frames$ has seen it). */
  private retry(frame: T): void {
    this.enter(frame);
    this.run(() => this.input.next(frame));
  }

  /** A frame from the browser: on frames$, and into the transform unless `intoTransform` is false (a source feeds it). */
  push(frame: T, intoTransform = true): void {
    if (!intoTransform) {
      this.run(() => this.received.next(frame));
      return;
    }
    this.enter(frame);
    const into = this.intoTransform(frame);
    this.run(() => {
      this.received.next(frame);
      if (into) this.input.next(frame);
    });
  }

  /** A frame from the stream's source: into the transform only. */
  pushSource(frame: T): void {
    this.enter(frame);
    if (this.intoTransform(frame)) this.run(() => this.input.next(frame));
  }

  /**
   * Whether `frame` goes into the transform: a failed one is subscribed again first when its retry
   * is due; while it waits (or failed again at once), the frame passes through unchanged.
   */
  private intoTransform(frame: T): boolean {
    if (this.retryGate.due()) this.subscribe();
    if (!this.retryGate.waiting) return true;
    // failed again as it was subscribed: fail() has passed this frame through already
    if (this.passedOn !== frame) this.events.output(frame);
    return false;
  }

  close(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.input.complete();
    this.received.complete();
  }

  private enter(frame: T): void {
    this.latest = frame;
    this.inputAt = performance.now();
    this.frameCount++;
  }

  private run<T>(fn: () => T): T {
    return this.events.run ? this.events.run(fn) : fn();
  }

  private subscribe(): void {
    this.subscription?.unsubscribe();
    this.run(() => this.subscribeNow());
  }

  private subscribeNow(): void {
    let output$: Observable<T>;
    try {
      output$ = this.transform(this.input$);
      if (!output$ || typeof output$.subscribe !== 'function') {
        throw new TypeError('a transform must return an Observable of frames');
      }
    } catch (error) {
      // The transform cannot even be set up: frames pass through until another one is set.
      this.events.error(error);
      this.transform = passThrough;
      this.failing = true;
      output$ = this.input$;
    }
    this.subscription = output$.subscribe({
      next: (frame) => this.emit(frame),
      error: (error) => this.fail(error),
    });
  }

  private emit(frame: T): void {
    const problem = this.check(frame);
    if (problem !== null) {
      this.fail(new TypeError(problem));
      return;
    }
    const took = performance.now() - this.inputAt;
    this.transformMs = this.transformMs === 0 ? took : this.transformMs * 0.9 + took * 0.1;
    if (this.failing) {
      this.failing = false;
      this.events.recovered();
    }
    this.retryGate.succeeded();
    this.noteRetimed(frame);
    this.transformed++;
    this.events.output(frame);
  }

  /**
   * The timestamp of the output frame made from the input frame with timestamp `inputTimestamp`: the
   * same unless the transform gave its output a timestamp of its own (annotations describe an input
   * frame but are drawn over the output, whose RTP timestamp comes from its own timestamp). An output
   * is taken to be made from the latest input when it came out (exact for a synchronous transform).
   */
  outputTimestampOf(inputTimestamp: number): number {
    for (let i = 0; i < RETIMED_KEPT; i++) {
      if (this.retimedFrom[i] === inputTimestamp) return this.retimedTo[i];
    }
    return inputTimestamp;
  }

  private noteRetimed(output: T): void {
    const from = (this.latest as { timestamp?: unknown } | null)?.timestamp;
    const to = (output as { timestamp?: unknown }).timestamp;
    if (typeof from !== 'number' || typeof to !== 'number' || from === to) return;
    this.retimedFrom[this.retimedNext] = from;
    this.retimedTo[this.retimedNext] = to;
    this.retimedNext = (this.retimedNext + 1) % RETIMED_KEPT;
  }

  /**
   * Reports, passes the latest frame through, and has the transform subscribed again before a later
   * frame (intoTransform()), never from here: one whose observable errors as it is subscribed
   * (`() => throwError(...)`) would loop without yielding to the event loop.
   */
  private fail(error: unknown): void {
    this.failing = true;
    this.transformErrors++;
    this.events.error(error);
    if (this.latest && this.passedOn !== this.latest) {
      this.passedOn = this.latest;
      this.events.output(this.latest);
    }
    this.retryGate.failed();
  }
}

function isFrame(value: unknown): value is Frame {
  const frame = value as Frame;
  return (
    typeof frame === 'object' &&
    frame !== null &&
    Number.isInteger(frame.width) &&
    Number.isInteger(frame.height) &&
    frame.data instanceof Uint8Array
  );
}

function passThrough<T>(input$: Observable<T>): Observable<T> {
  return input$;
}
