/**
 * A source's timestamps moved onto the stream's clock. Camera and microphone frames carry
 * wall-clock ms (rtc/worker/rtp-clock.ts CaptureClock); a source's frames carry whatever its code
 * chose: `performance.now()` for a drawn clock, 0 at the start of every playback of a media file.
 * Sent as they are, a file's second loop or a switch from a clock to a file went backwards in
 * time (the RTP clock then advanced 1/90000 s per frame) and a recording put the source's audio
 * decades from its video. The first frame is tied to now, later ones keep their spacing; a jump
 * backwards or of more than MAX_STEP_MS forwards (a loop, another source, a pause) ties again.
 * One clock serves a source's video and its audio$, so the two stay lined up.
 */

/** A forward step beyond this is a new start, not a late frame (a source paused or swapped). */
export const MAX_STEP_MS = 1000;

export class SourceClock {
  private offset: number | null = null;
  private last = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** `timestamp` (ms, the source's own) on the stream's clock. */
  map(timestamp: number): number {
    if (this.offset === null || timestamp < this.last || timestamp - this.last > MAX_STEP_MS) {
      this.offset = this.now() - timestamp;
    }
    this.last = timestamp;
    return timestamp + this.offset;
  }

  /** The next frame ties to now again (the source was unsubscribed or replaced). */
  reset(): void {
    this.offset = null;
  }
}
