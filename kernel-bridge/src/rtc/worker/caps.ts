/**
 * The arithmetic of the encoder caps (protocol.ts EncoderCaps), kept pure so it is tested without
 * a peer: which frames a frame-rate cap lets through, and the size a frame is scaled to.
 */

/**
 * A frame-rate cap: lets through at most `maxFps` frames a second on average. Each kept frame
 * books the next slot one interval later; a frame may come a quarter interval early (arrival
 * jitter), and after a pause the schedule restarts rather than letting a burst through.
 */
export class FrameRateGate {
  private nextDueMs = -Infinity;

  constructor(private maxFps: number | null = null) {}

  set cap(maxFps: number | null) {
    this.maxFps = maxFps;
    this.nextDueMs = -Infinity;
  }

  /** Whether the frame arriving at `nowMs` is sent (true) or skipped. */
  admit(nowMs: number): boolean {
    if (this.maxFps === null) return true;
    const interval = 1000 / this.maxFps;
    if (nowMs < this.nextDueMs - interval / 4) return false;
    this.nextDueMs = nowMs > this.nextDueMs + interval ? nowMs + interval : this.nextDueMs + interval;
    return true;
  }
}

/**
 * The size a width×height frame is sent at under the caps: unchanged when it fits, else scaled
 * down by one factor (aspect ratio kept) to fit both, each side rounded to even (I420's chroma is
 * half size) and at least 2.
 */
export function fitWithin(
  width: number,
  height: number,
  maxWidth: number | null,
  maxHeight: number | null,
): { width: number; height: number } {
  const scale = Math.min(1, maxWidth === null ? 1 : maxWidth / width, maxHeight === null ? 1 : maxHeight / height);
  if (scale >= 1) return { width, height };
  const even = (side: number, max: number | null) =>
    Math.max(2, Math.min(max ?? Infinity, 2 * Math.floor((side * scale) / 2 + 0.5)) & ~1);
  return { width: even(width, maxWidth), height: even(height, maxHeight) };
}
