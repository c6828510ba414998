/**
 * RTP timestamps <-> capture times, both directions, as pure arithmetic (no werift, no clock reads
 * except the one anchoring incoming time), so the wrap-around cases are plain to read and test.
 * VP8 over RTP uses a 90 kHz clock in a 32-bit field that wraps every ~13 h (Opus: 48 kHz, ~25 h),
 * and a stream's first timestamp is random.
 *
 * Audio and video of one stream share the clock: each incoming track is anchored at the arrival of
 * its first RTP packet (anchor(), before any jitter buffer), so both tracks' capture times are
 * wall-clock ms offset by the same one-way delay (docs/design.md, "Audio").
 */

const WRAP = 0x100000000;
const HALF = 0x80000000;

/** Incoming: RTP timestamp (wrapping) -> capture time in ms on this process's wall clock. */
export class CaptureClock {
  private first: number | undefined;
  private last = 0;
  private high = 0; // unwrapped high part (multiples of 2^32)
  private wallBase = 0;
  private readonly ticksPerMs: number;

  constructor(
    private readonly now: () => number = Date.now,
    clockRate = 90000,
  ) {
    this.ticksPerMs = clockRate / 1000;
  }

  /** Ties `rtpTs` to now, once: call it as each packet arrives (only the first one counts). */
  anchor(rtpTs: number): void {
    if (this.first !== undefined) return;
    this.first = rtpTs;
    this.last = rtpTs;
    this.wallBase = this.now();
  }

  captureTimeMs(rtpTs: number): number {
    this.anchor(rtpTs);
    // unwrap: a backwards jump of more than half the range is a wrap
    if (rtpTs < this.last && this.last - rtpTs > HALF) this.high += WRAP;
    else if (rtpTs > this.last && rtpTs - this.last > HALF) this.high -= WRAP; // reordered across wrap
    this.last = rtpTs;
    return this.wallBase + (this.high + rtpTs - (this.first as number)) / this.ticksPerMs;
  }
}

/**
 * Outgoing: a frame's capture time (ms) -> RTP timestamp, strictly increasing, from a random base.
 * Times that go back (a transform that makes frames with timestamps of its own, e.g. 0) shift the
 * clock so the frame counts from the last one by the wall-clock time elapsed since it, and later
 * frames keep that shift: the browser sees time pass as it did, never frames 1/90000 s apart.
 */
export class RtpClock {
  private last = -1;
  private lastWall = 0;
  /** Ticks added to every capture time since the last jump back. */
  private shift = 0;

  constructor(
    private readonly offset = Math.floor(Math.random() * WRAP),
    private readonly now: () => number = () => performance.now(),
  ) {}

  rtpTimestamp(captureMs: number): number {
    const wall = this.now();
    let ts90 = Math.round(captureMs * 90) + this.shift;
    if (this.last >= 0 && ts90 <= this.last) {
      const elapsed = Math.max(1, Math.round((wall - this.lastWall) * 90));
      this.shift += this.last + elapsed - ts90;
      ts90 = this.last + elapsed;
    }
    this.last = ts90;
    this.lastWall = wall;
    return (ts90 + this.offset) % WRAP;
  }

  /** The unwrapped 90 kHz time of the last rtpTimestamp() (the encoder's pts). */
  get lastTicks(): number {
    return this.last;
  }

  /** The last frame's capture time as sent (shifted like its RTP timestamp), ms: the sender report's. */
  get lastCaptureMs(): number {
    return this.last / 90;
  }
}
