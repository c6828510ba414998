/**
 * RTP timestamps <-> capture times, both directions, as pure arithmetic (no werift, no clock reads
 * except the one anchoring incoming time), so the wrap-around cases are plain to read and test.
 * VP8 over RTP uses a 90 kHz clock in a 32-bit field that wraps every ~13 h, and a stream's first
 * timestamp is random.
 */

const WRAP = 0x100000000;
const HALF = 0x80000000;

/** Incoming: RTP timestamp (90 kHz, wrapping) -> capture time in ms on this process's wall clock. */
export class CaptureClock {
  private first: number | undefined;
  private last = 0;
  private high = 0; // unwrapped high part (multiples of 2^32)
  private wallBase = 0;

  constructor(private readonly now: () => number = Date.now) {}

  captureTimeMs(rtpTs: number): number {
    if (this.first === undefined) {
      this.first = rtpTs;
      this.last = rtpTs;
      this.wallBase = this.now();
    }
    // unwrap: a backwards jump of more than half the range is a wrap
    if (rtpTs < this.last && this.last - rtpTs > HALF) this.high += WRAP;
    else if (rtpTs > this.last && rtpTs - this.last > HALF) this.high -= WRAP; // reordered across wrap
    this.last = rtpTs;
    return this.wallBase + (this.high + rtpTs - this.first) / 90;
  }
}

/** Outgoing: a frame's capture time (ms) -> RTP timestamp, strictly increasing, from a random base. */
export class RtpClock {
  private last = -1;

  constructor(private readonly offset = Math.floor(Math.random() * WRAP)) {}

  rtpTimestamp(captureMs: number): number {
    let ts90 = Math.round(captureMs * 90);
    if (ts90 <= this.last) ts90 = this.last + 1;
    this.last = ts90;
    return (ts90 + this.offset) % WRAP;
  }

  /** The unwrapped 90 kHz time of the last rtpTimestamp() (the encoder's pts). */
  get lastTicks(): number {
    return this.last;
  }
}
