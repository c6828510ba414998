/**
 * The kernel transport's link figures for the stats (docs/design.md, "Kernel transport"): over
 * WebRTC werift's RTCP counters give the bitrate and round trip, over the comm there is no RTCP,
 * so the link measures itself. Bytes are counted where `media` buffers are sent and received
 * (headers included: what the comm carries), and the round trip is the credit protocol's: from
 * sending video frame `seq` to taking the ack of exactly that frame (an ack that frees older frames
 * cumulatively gives no sample for them: they waited for a later frame's ack). Plain number
 * fields and two fixed typed arrays: nothing is allocated per frame. The kernel has the same
 * meter (kernel-bridge/src/streamer/link-meter.ts).
 */
import { MAX_MEDIA_IN_FLIGHT } from './protocol';

/** The figures of one interval: kbit/s each way, and the mean ack round trip (null: no frame acked). */
export interface ILinkFigures {
  kbps_in: number;
  kbps_out: number;
  rtt_ms: number | null;
}

/** Send times kept: consecutive sequence numbers, at most MAX_MEDIA_IN_FLIGHT in flight, so twice that never collides. */
const RING = 2 * MAX_MEDIA_IN_FLIGHT;

export class LinkMeter {
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly sentSeq = new Float64Array(RING).fill(-1);
  private readonly sentAt = new Float64Array(RING);
  private rttSum = 0;
  private rttCount = 0;
  private lastIn = 0;
  private lastOut = 0;
  private lastAt: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.lastAt = now();
  }

  /** A `media` buffer of `bytes` came from the other side. */
  countIn(bytes: number): void {
    this.bytesIn += bytes;
  }

  /** A `media` buffer of `bytes` went to the other side. */
  countOut(bytes: number): void {
    this.bytesOut += bytes;
  }

  /** Video frame `seq` went out now. */
  frameSent(seq: number): void {
    const slot = seq % RING;
    this.sentSeq[slot] = seq;
    this.sentAt[slot] = this.now();
  }

  /** The other side acked frame `seq` (taken as valid by the credit): one round-trip sample. */
  frameAcked(seq: number): void {
    const slot = seq % RING;
    if (this.sentSeq[slot] !== seq) {
      return;
    }
    this.sentSeq[slot] = -1;
    this.rttSum += Math.max(0, this.now() - this.sentAt[slot]);
    this.rttCount++;
  }

  /** The figures since the last read (or since the meter was made); starts the next interval. */
  read(): ILinkFigures {
    const at = this.now();
    const ms = Math.max(1, at - this.lastAt);
    // bytes × 8 / ms = kbit/s
    const figures: ILinkFigures = {
      kbps_in: ((this.bytesIn - this.lastIn) * 8) / ms,
      kbps_out: ((this.bytesOut - this.lastOut) * 8) / ms,
      rtt_ms: this.rttCount ? this.rttSum / this.rttCount : null,
    };
    this.lastAt = at;
    this.lastIn = this.bytesIn;
    this.lastOut = this.bytesOut;
    this.rttSum = this.rttCount = 0;
    return figures;
  }
}
