/**
 * The kernel transport's capture times: the browser's (ms, in each `media` header) -> this
 * process's wall clock, with audio and video on one clock as over WebRTC (rtp-clock.ts,
 * docs/design.md "Clock and lip sync"). Counting each track from its own first packet, as before,
 * put audio and video apart by however far apart their first packets came.
 *
 * What the browser stamps: a camera VideoFrame from MediaStreamTrackProcessor carries its capture
 * time (the VideoEncoder keeps it), an AudioData its capture time, and the AudioEncoder's packets
 * count samples from its first buffer's. Whether the two are on one clock depends on the browser:
 * the Chromium breakout-box source we read puts both on base::TimeTicks, but Chromium 156 with fake devices gives
 * video on TimeTicks (since boot) and audio on the page's performance.now() clock. So:
 * - each track's times get an origin learnt from arrivals, as CaptureClock learns an RTP track's
 *   (ArrivalOrigin: the least arrival - capture time, reached MAX_SLEW_MS per read, never back),
 *   which puts them on this process's wall clock like WebRTC's;
 * - an audio packet cannot leave before its last sample was captured, so its arrival bounds the
 *   capture of its first sample AUDIO_PACKET_MS earlier (else every audio time would sit 20 ms late);
 * - when both tracks' least arrival - capture times are within SAME_CLOCK_MS (one browser clock),
 *   both take the lesser: one origin, so what the browser captured together keeps one time here,
 *   whichever track's first packet came first or late. Otherwise (two clocks) each keeps its own,
 *   lined up to the difference of what each waits before it leaves (a frame's encoding).
 * A track whose times jump, back or forward, by more than SAME_CLOCK_MS beyond what arrived in
 * between (its source restarted on another clock, or the browser sent 0 for a time it did not
 * have) starts learning again; smaller steps back (a new encoder counting from a slightly earlier
 * buffer) keep the origin. What it gives out never goes back.
 */
import { ArrivalOrigin } from './rtp-clock';

/**
 * The least arrival - capture times of two tracks on one clock differ by what each waits before it
 * can leave (a frame's encoding, a few ms) and, for a while, by first frames that came late (246 ms
 * seen over WebRTC): under this. Two clocks (TimeTicks since boot, the page's time since it loaded,
 * a camera's since it started) differ by the seconds to days between their starts: a camera opened
 * by a notebook cell starts well after the page loaded.
 */
export const SAME_CLOCK_MS = 1000;

/** The Opus packets' length over the kernel transport (docs/design.md, "Kernel transport"). */
const AUDIO_PACKET_MS = 20;

class TrackTimes {
  readonly origin = new ArrivalOrigin();
  /** The browser's last time on this track and when it arrived, and the last time given out for it (ms). */
  lastIn = NaN;
  lastArrival = NaN;
  lastOut = -Infinity;
}

export class ChunkClock {
  private readonly video = new TrackTimes();
  private readonly audio = new TrackTimes();

  constructor(private readonly now: () => number = Date.now) {}

  /** A camera frame the browser captured at `browserMs` (its clock), arriving now: its time here. */
  videoTime(browserMs: number): number {
    return this.map(this.video, this.audio, browserMs, 0);
  }

  /** A microphone packet whose first sample the browser captured at `browserMs` (its clock), arriving now. */
  audioTime(browserMs: number): number {
    return this.map(this.audio, this.video, browserMs, AUDIO_PACKET_MS);
  }

  /** `readyMs`: how long after `browserMs` the packet was complete, so could leave at the earliest. */
  private map(own: TrackTimes, other: TrackTimes, browserMs: number, readyMs: number): number {
    const arrival = this.now();
    // Another clock: the browser's step between two packets is off the arrivals' step by seconds to
    // days, either way. (NaN for the first packet compares false.) A learnt origin kept across it
    // would slew there at MAX_SLEW_MS per read: hours for a forward jump.
    if (Math.abs(browserMs - own.lastIn - (arrival - own.lastArrival)) > SAME_CLOCK_MS) own.origin.reset();
    own.lastIn = browserMs;
    own.lastArrival = arrival;
    own.origin.see(arrival - readyMs, browserMs);
    const mine = own.origin.least;
    const theirs = other.origin.least;
    // NaN (the other track has not come yet, or it is off) compares false: this track's own
    const oneClock = Math.abs(mine - theirs) <= SAME_CLOCK_MS;
    const time = browserMs + own.origin.read(oneClock ? Math.min(mine, theirs) : mine);
    if (time > own.lastOut) own.lastOut = time;
    return own.lastOut;
  }
}
