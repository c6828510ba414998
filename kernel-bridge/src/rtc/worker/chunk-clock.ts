/**
 * The kernel transport's capture times: the browser's (ms, in each `media` header) -> this
 * process's wall clock, with audio and video on one clock as over WebRTC (rtp-clock.ts,
 * docs/design.md "Clock and lip sync"). Counting each track from its own first packet, as before,
 * put audio and video apart by however far apart their first packets came.
 *
 * Chrome stamps both tracks on one clock: a camera VideoFrame from MediaStreamTrackProcessor
 * carries its capture time (base::TimeTicks, in µs), the VideoEncoder keeps it, and the
 * AudioEncoder's packets count samples from its first AudioData's capture time, on the same
 * TimeTicks. So one origin serves both tracks and keeps what the browser measured: audio and video
 * captured together get the same time here. That origin is learnt from arrivals, as CaptureClock
 * learns an RTP track's (ArrivalOrigin: the least arrival - capture time of either track, reached
 * MAX_SLEW_MS per read, so times never go back), which puts the times on this process's wall clock
 * like WebRTC's. A browser whose tracks are not on one clock (their least arrival - capture times
 * more than SAME_CLOCK_MS apart: e.g. video frames counted from the camera's start) gets each track
 * mapped by its own arrivals instead, as an RTP track is. A track whose times go back (its source
 * restarted on another clock) starts learning again; what it gives out never goes back.
 */
import { ArrivalOrigin } from './rtp-clock';

/**
 * The least arrival - capture times of two tracks on one clock differ by what each waits before it
 * can leave (a 20 ms Opus packet, a frame's encoding) and by first packets that came late: well
 * under this. Two clocks (TimeTicks since boot against time since the camera started) differ by far more.
 */
export const SAME_CLOCK_MS = 1000;

class TrackTimes {
  readonly origin = new ArrivalOrigin();
  /** The browser's last time on this track, and the last time given out for it (ms). */
  lastIn = NaN;
  lastOut = -Infinity;
}

export class ChunkClock {
  private readonly video = new TrackTimes();
  private readonly audio = new TrackTimes();

  constructor(private readonly now: () => number = Date.now) {}

  /** A camera frame the browser captured at `browserMs` (its clock), arriving now: its time here. */
  videoTime(browserMs: number): number {
    return this.map(this.video, this.audio, browserMs);
  }

  /** A microphone packet the browser captured at `browserMs` (its clock), arriving now: its time here. */
  audioTime(browserMs: number): number {
    return this.map(this.audio, this.video, browserMs);
  }

  private map(own: TrackTimes, other: TrackTimes, browserMs: number): number {
    if (browserMs < own.lastIn) own.origin.reset();
    own.lastIn = browserMs;
    own.origin.see(this.now(), browserMs);
    const mine = own.origin.least;
    const theirs = other.origin.least;
    // NaN (the other track has not come yet, or it is off) compares false: this track's own
    const oneClock = Math.abs(mine - theirs) <= SAME_CLOCK_MS;
    const time = browserMs + own.origin.read(oneClock ? Math.min(mine, theirs) : mine);
    if (time > own.lastOut) own.lastOut = time;
    return own.lastOut;
  }
}
