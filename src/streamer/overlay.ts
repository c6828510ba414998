/**
 * The annotations overlay of one view: a canvas laid over the video the
 * annotations belong to (the kernel's output in sendrecv and recvonly, the
 * camera preview in sendonly, where nothing comes back), redrawn as frames
 * are shown. Boxes reach the browser as small messages, so showing a
 * model's results needs no re-encoded video.
 *
 * Alignment (overlay-timing.ts): requestVideoFrameCallback gives each shown
 * frame's RTP timestamp; the annotations whose `rtp` is the newest at or
 * before it are drawn, on the next animation frame (rVFC callbacks run just
 * before it, for the frame about to be composited). The preview has no RTP
 * timestamps: there annotations are drawn as they arrive. Drawn ones fade
 * when no newer ones come; the canvas is only redrawn while something is
 * waiting or visible.
 */
import type { IAnnotationsMessage } from './annotations-protocol';
import { containRect, drawAnnotations } from './overlay-draw';
import { AnnotationTimeline } from './overlay-timing';

/** What requestVideoFrameCallback gives that the overlay reads (lib.dom lacks it in older TS). */
interface IFrameMetadata {
  rtpTimestamp?: number;
}
type VideoWithFrameCallback = HTMLVideoElement & {
  requestVideoFrameCallback?(callback: (now: number, metadata: IFrameMetadata) => void): number;
  cancelVideoFrameCallback?(handle: number): void;
};

export class AnnotationOverlay {
  /** The canvas (pointer-events: none), placed right after the video in its pane. */
  readonly canvas: HTMLCanvasElement;
  private video: VideoWithFrameCallback | null = null;
  private frameHandle: number | null = null;
  private drawHandle: number | null = null;
  private displayedRtp: number | null = null;
  /** What the canvas shows now: redrawn only when it changes (a new pick, a fade step, a resize). */
  private shown: { value: IAnnotationsMessage | null; alpha: number; width: number; height: number } | null = null;
  /** The video under it is shown flipped horizontally (setMirrored). */
  private mirrored = false;
  /** Annotations drawn only after MAX_WAIT_MS (their frame never showed): data-late-draws, for tests. */
  private lateDraws = 0;
  private readonly timeline = new AnnotationTimeline<IAnnotationsMessage>();

  constructor() {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'jp-webrtc-overlay';
    this.canvas.dataset.testid = 'webrtc-overlay';
    this.canvas.setAttribute('aria-hidden', 'true');
  }

  /** Lays the overlay over `video` (a mode change moves it); its frames' RTP timestamps are followed. */
  attach(video: HTMLVideoElement): void {
    if (this.video === video && this.canvas.previousElementSibling === video) {
      return;
    }
    this.stopWatching();
    this.video = video;
    this.displayedRtp = null;
    video.after(this.canvas);
    this.watchFrames();
  }

  /** Whether the video under the overlay is shown mirrored (the preview's `mirror` option): the shapes follow it. */
  setMirrored(mirrored: boolean): void {
    if (mirrored !== this.mirrored) {
      this.mirrored = mirrored;
      this.shown = null; // redrawn, flipped
      this.scheduleDraw();
    }
  }

  /** Annotations from the kernel, drawn once their frame shows. */
  add(message: IAnnotationsMessage): void {
    this.timeline.add(message, performance.now());
    this.dataset('pending');
    this.scheduleDraw();
  }

  /** Forgets what was drawn and waiting (the session ended or a new one started). */
  clear(): void {
    this.timeline.clear();
    this.displayedRtp = null;
    if (this.shown !== null) {
      this.canvas.getContext('2d')?.clearRect(0, 0, this.canvas.width, this.canvas.height);
      this.shown = null;
    }
    this.dataset('');
  }

  dispose(): void {
    this.stopWatching();
    if (this.drawHandle !== null) {
      cancelAnimationFrame(this.drawHandle);
      this.drawHandle = null;
    }
    this.canvas.remove();
    this.video = null;
  }

  /** Follows the shown frames' RTP timestamps (received video; the preview has none). */
  private watchFrames(): void {
    const video = this.video;
    if (!video || typeof video.requestVideoFrameCallback !== 'function') {
      return;
    }
    this.frameHandle = video.requestVideoFrameCallback((_now, metadata) => {
      this.frameHandle = null;
      const rtp = metadata.rtpTimestamp;
      this.displayedRtp = typeof rtp === 'number' && Number.isFinite(rtp) ? rtp : null;
      if (this.timeline.busy) {
        this.scheduleDraw();
      }
      if (this.video === video) {
        this.watchFrames();
      }
    });
  }

  private stopWatching(): void {
    if (this.video && this.frameHandle !== null) {
      this.video.cancelVideoFrameCallback?.(this.frameHandle);
    }
    this.frameHandle = null;
  }

  private scheduleDraw(): void {
    // (no animation frames where nothing is painted: jsdom, a page being unloaded)
    if (this.drawHandle === null && this.video && typeof requestAnimationFrame === 'function') {
      this.drawHandle = requestAnimationFrame(() => this.draw());
    }
  }

  private draw(): void {
    this.drawHandle = null;
    const video = this.video;
    if (!video) {
      return;
    }
    const scale = window.devicePixelRatio || 1;
    const cssWidth = video.clientWidth;
    const cssHeight = video.clientHeight;
    const width = Math.round(cssWidth * scale);
    const height = Math.round(cssHeight * scale);
    const canvas = this.canvas;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    // Over the video's box wherever the pane puts it (its padding, a caption above...).
    canvas.style.left = `${video.offsetLeft}px`;
    canvas.style.top = `${video.offsetTop}px`;
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${cssHeight}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) {
      return;
    }
    const pick = this.timeline.pick(this.displayedRtp, performance.now());
    if (pick?.late) {
      // For tests: annotations drawn only because their frame never came (not aligned).
      this.lateDraws++;
      this.canvas.dataset.lateDraws = String(this.lateDraws);
    }
    const shown = this.shown;
    const same =
      shown !== null &&
      shown.value === (pick?.value ?? null) &&
      shown.alpha === (pick?.alpha ?? 0) &&
      shown.width === width &&
      shown.height === height;
    this.shown = { value: pick?.value ?? null, alpha: pick?.alpha ?? 0, width, height };
    if (!same) {
      ctx.clearRect(0, 0, width, height);
      if (pick) {
        const { value, alpha } = pick;
        const rect = containRect(video.videoWidth || value.width, video.videoHeight || value.height, width, height);
        drawAnnotations(ctx, value, rect, alpha, scale, this.mirrored);
        // For tests and debugging: which annotations are drawn (their frame's timestamp and RTP
        // timestamp, item count) on which shown frame (its RTP timestamp; '' without).
        this.dataset('drawn', value);
        this.canvas.dataset.frameRtp = this.displayedRtp === null ? '' : String(this.displayedRtp);
      } else {
        this.canvas.dataset.state = this.timeline.busy ? 'pending' : '';
      }
    }
    // Keep drawing while something waits for its frame or fades.
    if (this.timeline.busy) {
      this.scheduleDraw();
    }
  }

  private dataset(state: '' | 'pending' | 'drawn', value?: IAnnotationsMessage): void {
    const data = this.canvas.dataset;
    if (state === 'pending' && data.state === 'drawn') {
      return;
    }
    data.state = state;
    if (value) {
      data.timestamp = String(value.timestamp);
      data.items = String(value.items.length);
      data.rtp = value.rtp === null ? '' : String(value.rtp);
    }
  }
}
