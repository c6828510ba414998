/**
 * RTP timestamps <-> capture times, both directions, as pure arithmetic (no werift, no clock reads
 * except the one anchoring incoming time), so the wrap-around cases are plain to read and test.
 * VP8 over RTP uses a 90 kHz clock in a 32-bit field that wraps every ~13 h (Opus: 48 kHz, ~25 h),
 * and a stream's first timestamp is random.
 *
 * Audio and video of one stream share the clock: each incoming track is anchored at the arrivals of
 * its RTP packets (anchor(), before any jitter buffer; the least delayed one wins), so both tracks'
 * capture times are wall-clock ms offset by the same one-way delay (docs/design.md, "Audio").
 */

const WRAP = 0x100000000;
const HALF = 0x80000000;

/**
 * Most a capture time moves back per call while the clock settles on a less delayed arrival (see
 * CaptureClock): below an audio frame's 20 ms and a video frame's 33 ms, so capture times never
 * go backwards.
 */
export const MAX_SLEW_MS = 5;

/** A 32-bit RTP timestamp counted on from a first one, across wraps (and reordering around them). */
class Unwrapper {
  private last: number;
  private high = 0; // unwrapped high part (multiples of 2^32)

  constructor(private readonly first: number) {
    this.last = first;
  }

  /** Ticks from the first timestamp to `rtpTs`. */
  ticks(rtpTs: number): number {
    // a backwards jump of more than half the range is a wrap
    if (rtpTs < this.last && this.last - rtpTs > HALF) this.high += WRAP;
    else if (rtpTs > this.last && rtpTs - this.last > HALF) this.high -= WRAP; // reordered across wrap
    this.last = rtpTs;
    return this.high + rtpTs - this.first;
  }
}

/**
 * Where a track's media time 0 sits on this process's wall clock, learnt from arrivals: a packet
 * arriving at `arrival` with media time `t` was captured at most at arrival - t after the origin,
 * and the least of these bounds (the packet that waited least on its way) is the origin aimed at.
 * The origin in use moves down to it at most MAX_SLEW_MS per read, so times never go back, and up
 * at once (a forward jump keeps order; only a track put on another clock's origin goes up).
 * CaptureClock uses one per RTP track; the kernel transport (chunk-clock.ts) one per track with a
 * target shared by the camera and the microphone.
 */
export class ArrivalOrigin {
  /** The least arrival - media time seen, ms; NaN before the first arrival. */
  least = NaN;
  private used = NaN;

  /** A packet of media time `mediaMs` arrived at `arrivalMs` (wall clock). */
  see(arrivalMs: number, mediaMs: number): void {
    const bound = arrivalMs - mediaMs;
    if (!(bound >= this.least)) this.least = bound; // also the first (least is NaN)
  }

  /** The origin for the next time read, moved toward `target` (this track's own least by default). */
  read(target = this.least): number {
    if (!(this.used >= target)) this.used = target;
    else if (this.used > target) this.used = Math.max(target, this.used - MAX_SLEW_MS);
    return this.used;
  }

  /** Forgets what was learnt: the track's media times start on another clock. */
  reset(): void {
    this.least = this.used = NaN;
  }
}

/**
 * Incoming: RTP timestamp (wrapping) -> capture time in ms on this process's wall clock. Each
 * packet's arrival (anchor()) says the capture happened at most its arrival time minus its RTP
 * time; the clock keeps the least of these (the packet that waited least on its way). Anchoring on
 * the first packet alone put a track as late as that packet was: the first video frames of a
 * session leave Chrome slowly (encoder start, a keyframe paced out), and one run in four a
 * recording's audio sat 246 ms off its video. Both tracks of a stream settle on their least delay,
 * the same network path, so they line up to a few ms; a correction is applied MAX_SLEW_MS per
 * capture time read, so times never go back (ArrivalOrigin).
 */
export class CaptureClock {
  private arrivals: Unwrapper | undefined;
  private reads: Unwrapper | undefined;
  /** Wall-clock ms of the first RTP timestamp. */
  private readonly origin = new ArrivalOrigin();
  private readonly ticksPerMs: number;

  constructor(
    private readonly now: () => number = Date.now,
    clockRate = 90000,
  ) {
    this.ticksPerMs = clockRate / 1000;
  }

  /** Call as each packet arrives: the first ties the clock to now, later ones may pull it earlier. */
  anchor(rtpTs: number): void {
    if (!this.arrivals) {
      this.arrivals = new Unwrapper(rtpTs);
      this.reads = new Unwrapper(rtpTs);
    }
    this.origin.see(this.now(), this.arrivals.ticks(rtpTs) / this.ticksPerMs);
  }

  captureTimeMs(rtpTs: number): number {
    if (!this.reads) this.anchor(rtpTs);
    return this.origin.read() + (this.reads as Unwrapper).ticks(rtpTs) / this.ticksPerMs;
  }
}

/** The outgoing clock's constants: see RtpClock.mapping. */
export interface RtpMapping {
  offset: number;
  shift: number;
}

/** The RTP timestamp RtpClock gives a frame captured at `captureMs` while its mapping is `m`. */
export function rtpTimestampOf(captureMs: number, m: RtpMapping): number {
  const ticks = (Math.round(captureMs * 90) + m.shift + m.offset) % WRAP;
  return ticks < 0 ? ticks + WRAP : ticks;
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

  /**
   * What maps a capture time t (ms) to the RTP timestamp the browser sees for it now:
   * (round(t * 90) + shift + offset) mod 2^32 (rtpTimestampOf()). The streamer puts that on the
   * annotations of frame t, so the browser draws them on the frame with that RTP timestamp. It
   * changes only when the shift does (a transform's timestamps went back), so the worker tells the
   * main thread on a change, not per frame.
   */
  get mapping(): RtpMapping {
    return { offset: this.offset, shift: this.shift };
  }

  /** The mapping's shift alone (no object made): what the sender compares per frame. */
  get shiftTicks(): number {
    return this.shift;
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
