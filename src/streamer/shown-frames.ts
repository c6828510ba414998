/**
 * The last stage of the frame accounting (issue 9): frames the output <video> has actually shown,
 * from getVideoPlaybackQuality() read once a second (no per-frame callback). Each view reads its
 * own video element; getStats() does not know what was painted.
 */
import { rate } from './rtc-stats';

/** What the output <video> has shown, from getVideoPlaybackQuality(). */
export interface IShownFrames {
  /** Frames composited (total minus those the renderer dropped). */
  shown: number;
  /** Frames the renderer dropped (arrived too late for their display slot). */
  renderDropped: number;
  at: number;
}

/** Reads the video element's playback quality; null where the browser has none. */
export function readShownFrames(video: HTMLVideoElement, now: number): IShownFrames | null {
  const quality = typeof video.getVideoPlaybackQuality === 'function' ? video.getVideoPlaybackQuality() : null;
  if (!quality) {
    return null;
  }
  const dropped = quality.droppedVideoFrames;
  return { shown: Math.max(0, quality.totalVideoFrames - dropped), renderDropped: dropped, at: now };
}

/** Shown frames per second between two readings of the same video (null: the first). */
export function shownFps(now: IShownFrames, before: IShownFrames | null): number | null {
  return before ? rate(now.shown, before.shown, (now.at - before.at) / 1000) : null;
}
