/**
 * A stream's `source`: an Observable of frames from the notebook (a clock drawn by the kernel,
 * another stream's frames$, mediaFile(...)) that feeds the transform instead of the browser's
 * camera. It is subscribed only while the stream plays, so a source's timers and file reads run
 * only while someone watches; Stop, closing the widget and the kernel's shutdown unsubscribe it.
 *
 * A source is the notebook's code, so it is not trusted: a value that is not a frame is skipped, an
 * error ends that subscription; each is reported (once in a row per distinct problem) and the
 * stream stays up, showing the last frame sent until the source is replaced.
 */
import type { Subscribable, Unsubscribable } from 'rxjs';
import { errorSummary } from '../errors';
import { audioFrameProblem, I420Frame, i420Size, type AudioFrame, type Frame } from '../media';
import { SourceClock } from './source-clock';

/** What can feed a stream: any Observable of frames (MediaFile is one). */
export type FrameSource = Subscribable<Frame>;

export interface SourceEvents {
  /** A frame from the source, checked. */
  frame(frame: Frame): void;
  /** Audio from the source's `audio$` (a MediaFile has one), checked; subscribed only when `wantsAudio()`. */
  audio(frame: AudioFrame): void;
  wantsAudio(): boolean;
  /** A problem with the source (not a frame, an error, its end), as a line for the user. */
  problem(message: string): void;
  /** Runs the notebook's code (the subscription and what it starts), for the streamer's log. */
  run<T>(fn: () => T): T;
}

/** Throws a TypeError unless `value` is null/undefined or can be subscribed to. */
export function checkSource(value: unknown, what = 'source'): FrameSource | null {
  if (value === undefined || value === null) return null;
  if (typeof (value as FrameSource).subscribe !== 'function') {
    throw new TypeError(
      `${what} must be an Observable of frames, e.g. interval(33).pipe(map(drawClock)), got ${describe(value)}`,
    );
  }
  return value as FrameSource;
}

/** Why `value` cannot be sent as a frame, or null when it can. */
export function frameProblem(value: unknown): string | null {
  const frame = value as Frame;
  if (typeof frame !== 'object' || frame === null) return `got ${describe(value)}`;
  if (!Number.isInteger(frame.width) || !Number.isInteger(frame.height) || frame.width < 1 || frame.height < 1) {
    return 'it has no integer width and height';
  }
  if (!(frame.data instanceof Uint8Array)) return 'its data is not a Uint8Array of I420 pixels';
  if (frame.data.byteLength < i420Size(frame.width, frame.height)) {
    return `its data holds ${frame.data.byteLength} bytes, an I420 ${frame.width}x${frame.height} frame needs ${i420Size(frame.width, frame.height)}`;
  }
  if (typeof frame.timestamp !== 'number' || !Number.isFinite(frame.timestamp))
    return 'its timestamp is not a finite number';
  return null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object'
    ? `an object (${Object.keys(value as object)
        .slice(0, 5)
        .join(', ')})`
    : typeof value;
}

export class SourceFeed {
  private source: FrameSource | null = null;
  private subscription: Unsubscribable | null = null;
  private audioSubscription: Unsubscribable | null = null;
  /** The source's timestamps on the stream's clock (video and audio$ alike). */
  private readonly clock = new SourceClock();
  /** The source's audio$ delivered a frame in this subscription (a video-only file's never does). */
  private audioFlowing = false;
  private playing = false;
  /** The last problem told, so a source failing on every value adds one line, not thirty a second. */
  private lastProblem = '';
  /** Frames the source emitted since the stream started playing (for tests and the log). */
  frames = 0;

  constructor(private readonly events: SourceEvents) {}

  get current(): FrameSource | null {
    return this.source;
  }

  /**
   * True once the source's own audio (an `audio$`, as a MediaFile has) flows into the stream: until
   * then (or for a file without sound) the microphone keeps feeding transformAudio.
   */
  get hasAudio(): boolean {
    return this.audioFlowing;
  }

  /** True while the source is subscribed. */
  get subscribed(): boolean {
    return this.subscription !== null;
  }

  /** Replaces the source (null: none); a playing stream switches to it at once. The same source is kept as it is. */
  set(source: FrameSource | null): void {
    if (source === this.source) return;
    this.unsubscribe();
    this.source = source;
    this.lastProblem = '';
    if (this.playing) this.subscribe();
  }

  /** The stream plays: subscribe (once). */
  start(): void {
    this.playing = true;
    if (!this.subscription) this.subscribe();
  }

  /** The stream stopped: unsubscribe. */
  stop(): void {
    this.playing = false;
    this.unsubscribe();
  }

  private subscribe(): void {
    const source = this.source;
    if (!source) return;
    this.frames = 0;
    let ended = false;
    const end = () => {
      ended = true;
      if (this.source === source) this.subscription = null;
    };
    try {
      const subscription = this.events.run(() =>
        source.subscribe({
          next: (value) => this.onValue(value),
          error: (error: unknown) => {
            end();
            this.tell(`source error: ${errorSummary(error)} (nothing new is sent until the source is replaced)`);
          },
          complete: () => {
            end();
            this.tell('the source completed (nothing new is sent until the source is replaced)');
          },
        }),
      );
      // A source that ended while subscribing (of(), throwError) leaves nothing to unsubscribe.
      if (!ended) this.subscription = subscription;
    } catch (error) {
      this.tell(`source error: ${errorSummary(error)} (the source could not be subscribed)`);
    }
    this.subscribeAudio(source);
  }

  /** The source's audio, when it has some and the stream carries audio (its errors are the video's too). */
  private subscribeAudio(source: FrameSource): void {
    const audio$ = this.audioOf(source);
    if (!audio$ || !this.events.wantsAudio()) return;
    try {
      this.audioSubscription = this.events.run(() =>
        audio$.subscribe({
          next: (value) => {
            const problem = audioFrameProblem(value);
            if (problem !== null) {
              this.tell(`the source's audio$ emitted a malformed AudioFrame (${problem}): skipped`);
              return;
            }
            this.audioFlowing = true;
            const frame = value as AudioFrame;
            this.events.audio({ ...frame, timestamp: this.clock.map(frame.timestamp) });
          },
          error: (error: unknown) => this.tell(`source audio error: ${errorSummary(error)}`),
        }),
      );
    } catch (error) {
      this.tell(`source audio error: ${errorSummary(error)} (its audio$ could not be subscribed)`);
    }
  }

  private audioOf(source: FrameSource | null): Subscribable<unknown> | null {
    const audio$ = (source as { audio$?: Subscribable<unknown> } | null)?.audio$;
    return audio$ && typeof audio$.subscribe === 'function' ? audio$ : null;
  }

  private onValue(value: unknown): void {
    const problem = frameProblem(value);
    if (problem !== null) {
      this.tell(`the source emitted something that is not a Frame (${problem}): skipped`);
      return;
    }
    this.frames++;
    // A new small wrapper (no pixel copy): frames are read-only, and fan-out shares them.
    const frame = value as Frame;
    this.events.frame(new I420Frame(frame.width, frame.height, this.clock.map(frame.timestamp), frame.data));
  }

  private unsubscribe(): void {
    this.audioFlowing = false;
    this.clock.reset();
    const subscriptions = [this.subscription, this.audioSubscription];
    this.subscription = this.audioSubscription = null;
    for (const subscription of subscriptions) subscription?.unsubscribe();
  }

  private tell(message: string): void {
    if (message === this.lastProblem) return;
    this.lastProblem = message;
    this.events.problem(message);
  }
}
