/**
 * Flow control of the kernel transport's audio (docs/design.md, "Kernel transport"; the browser has
 * the same logic in src/streamer/audio-credit.ts). Audio packets are tiny and every one counts, so
 * unlike video there is no keyframe and no per-packet ack: the receiver acks every AUDIO_ACK_EVERY
 * packets with the newest sequence number (cumulative), and the sender sends while fewer than
 * `limit` are unacknowledged, dropping (and counting) new packets beyond. So a stalled link or
 * receiver never makes audio queue without bound. Pure logic, no I/O: unit-tested alone.
 */

export class AudioCredit {
  /** Packets sent, and acknowledged, so far (unwrapped counts; sequence numbers are these mod 2^32). */
  private sent = 0;
  private acked = 0;
  /** Packets dropped for lack of credit. */
  dropped = 0;

  constructor(private readonly limit: number) {}

  get inFlight(): number {
    return this.sent - this.acked;
  }

  /** The sequence number to send the next packet with, or null when it must be dropped (counted). */
  offer(): number | null {
    if (this.sent - this.acked >= this.limit) {
      this.dropped++;
      return null;
    }
    return this.sent++ >>> 0;
  }

  /** The receiver has every packet up to `seq`; false when `seq` is not in flight (ignored). */
  ack(seq: number): boolean {
    const ahead = ((seq >>> 0) - (this.acked >>> 0)) >>> 0;
    if (ahead >= this.sent - this.acked) {
      return false;
    }
    this.acked += ahead + 1;
    return true;
  }
}

/** The receiving side: which packets to acknowledge (every `every`-th, with its sequence number). */
export class AudioAcker {
  private count = 0;

  constructor(private readonly every: number) {}

  /** One more packet was taken: true when this one is to be acked now (with its sequence number). */
  took(): boolean {
    this.count = (this.count + 1) % this.every;
    return this.count === 0;
  }
}
