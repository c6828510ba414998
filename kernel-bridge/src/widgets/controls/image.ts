/**
 * Image: the stock ipywidgets picture (an <img> showing `value`, the bytes of a PNG/JPEG/GIF file),
 * fed by a cell with encoded frames: `image.show(frames$, {format: 'jpeg', maxFps: 2})` turns a
 * stream of frames into a picture updated a few times a second.
 */
import { AsyncResource } from 'node:async_hooks';
import {
  asyncScheduler,
  endWith,
  ignoreElements,
  type Observable,
  type Subscription,
  takeUntil,
  throttleTime,
} from 'rxjs';
import { errorMessage } from '../../errors';
import { getKernelApi } from '../../kernel/api';
import { encodeJpeg, encodePng } from '../../media/encode-image';
import type { Frame } from '../../media/frame';
import { checkFrame } from '../../media/frame-input';
import { bytes, str, Traits } from '../traits';
import { Accessors, Options } from '../widget';
import { domTraits, DomState } from './dom';
import { controlTraits, ModelState } from './model';
import { ValueWidget } from './value-widget';

/** Largest picture an Image holds: a 4K PNG fits; a runaway value does not reach every view. */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

export interface ImageState extends ModelState, DomState {
  /** The image file's bytes. */
  value: Uint8Array;
  /** Its format, the <img>'s MIME subtype: 'png', 'jpeg', 'gif', 'webp'... */
  format: string;
  /** The <img>'s width and height attributes ('' = natural size; '320' or '50%'). */
  width: string;
  height: string;
}

const traits = (): Traits<ImageState> => ({
  ...controlTraits('ImageModel', 'ImageView'),
  ...domTraits(),
  value: bytes(MAX_IMAGE_BYTES),
  format: str('png'),
  width: str(''),
  height: str(''),
});

export interface ShowOptions {
  /** 'jpeg' (default: small and fast to encode) or 'png' (lossless). */
  format?: 'jpeg' | 'png';
  /** JPEG quality 1..100 (default 80). */
  quality?: number;
  /** Most pictures per second (default 5, at most 60): the newest frame is shown, others skipped. */
  maxFps?: number;
}

const DEFAULT_MAX_FPS = 5;
const MAX_FPS = 60;

export interface Image extends Accessors<ImageState> {}
export class Image extends ValueWidget<ImageState> {
  constructor(options: Options<ImageState> = {}) {
    super(traits(), options);
  }

  /** Shows `frame`, encoded as `format` (default this widget's, when png or jpeg; else jpeg). */
  showFrame(frame: Frame, options: Omit<ShowOptions, 'maxFps'> = {}): void {
    checkFrame(frame, 'Image.showFrame');
    const format = options.format ?? (this.format === 'png' ? 'png' : 'jpeg');
    if (format !== 'png' && format !== 'jpeg') throw new TypeError(`Image: format must be 'png' or 'jpeg'`);
    const value = format === 'png' ? encodePng(frame) : encodeJpeg(frame, { quality: options.quality });
    this.set({ value, format });
  }

  /**
   * Shows the frames of `frames$` (a stream's `frames$`, `snapshots$`, a transform's output): the
   * newest one at most `maxFps` times a second. The subscription belongs to the running cell (it
   * ends when the cell runs again) and ends when the widget closes. A bad emission (not a frame)
   * or a failed encode is printed under the cell and skipped: the picture stays the last good one.
   */
  show(frames$: Observable<Frame>, options: ShowOptions = {}): Subscription {
    if (!frames$ || typeof (frames$ as Observable<Frame>).subscribe !== 'function') {
      throw new TypeError('Image.show: expected an Observable of frames');
    }
    const maxFps = options.maxFps ?? DEFAULT_MAX_FPS;
    if (typeof maxFps !== 'number' || !(maxFps > 0 && maxFps <= MAX_FPS)) {
      throw new RangeError(`Image.show: maxFps must be a number above 0 and at most ${MAX_FPS}`);
    }
    const format = options.format ?? 'jpeg';
    if (format !== 'png' && format !== 'jpeg') throw new TypeError(`Image.show: format must be 'png' or 'jpeg'`);
    if (format === 'jpeg') checkQuality(options.quality);
    // Errors print under the cell that called show(), whenever they happen.
    const report = AsyncResource.bind((message: string) => console.error(message));
    let lastError = '';
    const closed$ = this.changes$.pipe(ignoreElements(), endWith(true));
    const subscription = frames$
      .pipe(throttleTime(1000 / maxFps, asyncScheduler, { leading: true, trailing: true }), takeUntil(closed$))
      .subscribe({
        next: (frame) => {
          try {
            this.showFrame(frame, { format, quality: options.quality });
            lastError = '';
          } catch (error) {
            const message = `Image.show: ${errorMessage(error)} (the picture keeps the last good frame)`;
            if (message !== lastError) report(message); // once per run of the same error, not per frame
            lastError = message;
          }
        },
        error: (error) => report(`Image.show: the frames stopped: ${errorMessage(error)}`),
      });
    // Library code does not join cell scopes by itself (kernel/scope/hooks.ts): this feed belongs
    // to the calling cell, and leaves its scope when it ends first.
    const scope = getKernelApi().currentScope();
    if (scope) subscription.add(scope.add(subscription));
    return subscription;
  }
}

function checkQuality(quality: unknown): void {
  if (quality === undefined) return;
  if (typeof quality !== 'number' || !(quality >= 1 && quality <= 100)) {
    throw new RangeError('Image.show: quality must be a number from 1 to 100');
  }
}
