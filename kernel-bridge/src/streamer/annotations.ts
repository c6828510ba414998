/**
 * The results side channel of one stream: runs the notebook's annotate function (or subscribes a
 * plain Observable of FrameAnnotations), checks each result (annotations/validate.ts), hands the
 * valid ones to `annotations$` (for a Label or table in the notebook) and to the widget as small
 * `annotations` messages, which the browser draws over the video (src/streamer/overlay.ts).
 *
 * Sending is latest-first: at most one message per MIN_ANNOTATION_INTERVAL_MS; results arriving
 * faster replace the one waiting, so a model faster than the comm never builds a queue (the
 * overlay shows the newest anyway). A malformed or oversized result is reported (`problem`) and
 * skipped; an annotate function that throws or errors is subscribed again before a later frame
 * (retry-gate.ts: at the next frame, then with a backoff), like a transform (pipeline.ts): the
 * stream and later valid results carry on.
 */
import { isObservable, Observable, Subject, Subscription } from 'rxjs';
import { parseAnnotations } from '../annotations/validate';
import type { FrameAnnotations } from '../annotations/types';
import { errorSummary } from '../errors';
import type { Frame } from '../media';
import { LatestSlot } from '../media/latest-slot';
import { RetryGate } from './retry-gate';

/** What annotate() takes: `frames$ => frames$.pipe(map(detect))`, or the results themselves. */
export type Annotator = ((frames$: Observable<Frame>) => Observable<FrameAnnotations>) | Observable<FrameAnnotations>;

/**
 * Least time between two annotation messages, ms: a 60 fps camera's frame interval. A model that
 * emits faster (or a burst after a stall) has its older results dropped, never queued.
 */
export const MIN_ANNOTATION_INTERVAL_MS = 16;

export interface AnnotationEvents {
  /** A valid result to send to the widget (at most one per MIN_ANNOTATION_INTERVAL_MS, newest first). */
  send(annotations: FrameAnnotations): void;
  /** A result was malformed, or the annotate function failed: a clear message, not yet shown. */
  problem(message: string): void;
  /** A valid result after a problem (the next problem is worth saying again). */
  recovered(): void;
  /** Runs the notebook's code (as the transform's: its prints go to the streamer's log). */
  run<T>(fn: () => T): T;
}

export class AnnotationChannel {
  private readonly input = new Subject<Frame>();
  private readonly results = new Subject<FrameAnnotations>();
  private annotator: Annotator | null = null;
  private subscription: Subscription | null = null;
  private readonly waiting = new LatestSlot<FrameAnnotations>();
  private lastSentAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  /** When the annotate function whose observable errored is subscribed again. */
  private readonly retry: RetryGate;
  /** The latest frame pushed: a new annotate function is tried on it at once (see set()). */
  private latest: Frame | null = null;
  /** Results dropped because a newer one came within MIN_ANNOTATION_INTERVAL_MS (latest-first). */
  get dropped(): number {
    return this.waiting.dropped;
  }

  /** The valid results, as they come (before the latest-first drop towards the widget). */
  readonly annotations$: Observable<FrameAnnotations> = this.results.asObservable();

  constructor(
    private readonly events: AnnotationEvents,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.retry = new RetryGate(now);
  }

  /**
   * Sets (or swaps, or with null removes) what makes the annotations; throws on a wrong type. On a
   * running stream a new function is tried at once on the latest frame (as a new transform is), so
   * what it gets wrong is said while the cell that set it still runs, under that cell.
   */
  set(annotator: Annotator | null): void {
    if (annotator !== null && typeof annotator !== 'function' && !isObservable(annotator)) {
      throw new TypeError(
        'annotate() takes a function frames$ => Observable<FrameAnnotations>, or an Observable of FrameAnnotations',
      );
    }
    this.annotator = annotator;
    // a result of the one replaced that waits to be sent is dropped with it
    this.waiting.take();
    this.retry.reset();
    this.subscribe();
    if (this.latest !== null && typeof annotator === 'function') this.deliver(this.latest);
  }

  /**
   * A frame of the stream (what the annotate function's frames$ emits). An annotate function whose
   * observable errored is subscribed again first, when its retry is due (retry-gate.ts).
   */
  push(frame: Frame): void {
    this.latest = frame;
    // a plain Observable of results does not read frames: no per-frame work for it
    if (typeof this.annotator !== 'function') return;
    if (this.retry.due()) this.subscribe();
    if (!this.retry.waiting) this.deliver(frame);
  }

  private deliver(frame: Frame): void {
    this.events.run(() => this.input.next(frame));
  }

  /** The stream stopped: its last frame is not tried on the next annotate function. */
  forgetLatest(): void {
    this.latest = null;
  }

  close(): void {
    this.annotator = null;
    this.subscription?.unsubscribe();
    this.subscription = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.waiting.take();
    this.latest = null;
    this.input.complete();
    this.results.complete();
  }

  private subscribe(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
    const annotator = this.annotator;
    if (annotator === null) return;
    this.events.run(() => {
      let results$: Observable<FrameAnnotations>;
      try {
        results$ = typeof annotator === 'function' ? annotator(this.input.asObservable()) : annotator;
        if (!isObservable(results$)) throw new TypeError('the annotate function must return an Observable');
      } catch (error) {
        // Cannot even be set up: nothing is annotated until another one is set.
        this.events.problem(`annotate: ${errorSummary(error)}`);
        this.annotator = null;
        return;
      }
      this.subscription = results$.subscribe({
        next: (value) => this.accept(value),
        error: (error) => this.fail(annotator, error),
      });
    });
  }

  private accept(value: unknown): void {
    const { annotations: checked, problem } = parseAnnotations(value);
    if (problem !== null) {
      this.failing = true;
      this.events.problem(`annotate: malformed annotations: ${problem} (skipped; the stream goes on)`);
      return;
    }
    this.retry.succeeded();
    if (this.failing) {
      this.failing = false;
      this.events.recovered();
    }
    this.results.next(checked);
    this.offer(checked);
  }

  /**
   * The annotate function's observable errored: said (the streamer says each distinct problem once),
   * and subscribed again before a later frame (push()), never from here: one that errors as it is
   * subscribed would loop without yielding. A plain observable that errored would error again at
   * once: only a function is retried.
   */
  private fail(annotator: Annotator, error: unknown): void {
    this.failing = true;
    this.events.problem(`annotate: ${errorSummary(error)}`);
    if (this.annotator === annotator && typeof annotator === 'function') this.retry.failed();
  }

  /** Sends now if the last message is old enough, else waits in the slot (replacing an older one). */
  private offer(annotations: FrameAnnotations): void {
    const wait = this.lastSentAt + MIN_ANNOTATION_INTERVAL_MS - this.now();
    if (wait <= 0 && this.timer === null) {
      this.sendNow(annotations);
      return;
    }
    this.waiting.put(annotations);
    if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, wait));
      this.timer.unref?.();
    }
  }

  private flush(): void {
    this.timer = null;
    const next = this.waiting.take();
    if (next !== undefined) this.sendNow(next);
  }

  private sendNow(annotations: FrameAnnotations): void {
    this.lastSentAt = this.now();
    this.events.send(annotations);
  }
}
