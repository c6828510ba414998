/**
 * Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01)
 * on the browser's packets, replacing werift 0.24.4's own (media/receiver/receiverTwcc.js), which
 * Chrome's bandwidth estimate collapsed on (200-600 kbit/s on loopback, measured with
 * bench/g2g): it reports lost packets as received (run lengths spanning the gaps while no delta is
 * written for them), and writes the first arrival of each feedback relative to the exact previous
 * arrival while the reference time it sends is that rounded down to 64 ms, so every feedback's
 * arrivals jump by up to 64 ms: a queue building up, for Chrome's delay-based estimator.
 *
 * Here every sequence number from the first not yet reported to the newest received is reported,
 * lost ones as "not received"; the reference time is the first reported arrival rounded down to
 * 64 ms and the first delta is counted from it. Run-length chunks only (valid, a little larger).
 * Sent every FEEDBACK_INTERVAL_MS (Chrome's own receivers send every 50-250 ms). Arrival times are
 * taken when werift hands the packet over in this worker, which also decodes and encodes: they
 * carry a few ms of that work, far below what Chrome's estimator treats as congestion.
 */

const FEEDBACK_INTERVAL_MS = 100;
/** Most sequence numbers one feedback covers; older unreported ones are given up (a long stall). */
const MAX_SPAN = 1000;
const TICK_US = 250;
const REFERENCE_US = 64_000;

const enum Status {
  NotReceived = 0,
  SmallDelta = 1,
  LargeDelta = 2,
}

export interface TwccFeedbackPacket {
  senderSsrc: number;
  mediaSsrc: number;
  /** The first sequence number reported (16 bits). */
  baseSeq: number;
  /** Arrival time in microseconds of each sequence number from baseSeq on; undefined = lost. */
  arrivalsUs: readonly (number | undefined)[];
  /** The feedback packet count (8 bits). */
  count: number;
}

/** One RTCP transport-wide feedback packet (RTPFB, FMT 15); at least one packet must have arrived. */
export function buildTwccFeedback(p: TwccFeedbackPacket): Buffer {
  const first = p.arrivalsUs.find((t) => t !== undefined);
  if (first === undefined) throw new RangeError('a transport-wide feedback needs one received packet');
  const referenceTime = Math.floor(first / REFERENCE_US);
  const statuses: Status[] = [];
  const deltas: number[] = [];
  let previous = referenceTime * REFERENCE_US;
  for (const arrival of p.arrivalsUs) {
    if (arrival === undefined) {
      statuses.push(Status.NotReceived);
      continue;
    }
    const ticks = Math.max(-0x8000, Math.min(0x7fff, Math.round((arrival - previous) / TICK_US)));
    // the next delta counts from what the receiver will reconstruct, so rounding never accumulates
    previous += ticks * TICK_US;
    statuses.push(ticks >= 0 && ticks <= 0xff ? Status.SmallDelta : Status.LargeDelta);
    deltas.push(ticks);
  }
  const chunks: number[] = [];
  for (let i = 0; i < statuses.length;) {
    let run = 1;
    while (i + run < statuses.length && statuses[i + run] === statuses[i] && run < 0x1fff) run++;
    chunks.push((statuses[i] << 13) | run);
    i += run;
  }
  const deltaBytes = statuses.reduce((n, s) => n + (s === Status.SmallDelta ? 1 : s === Status.LargeDelta ? 2 : 0), 0);
  const unpadded = 4 + 16 + 2 * chunks.length + deltaBytes;
  const length = Math.ceil(unpadded / 4) * 4;
  const buf = Buffer.alloc(length);
  const padding = length - unpadded;
  buf[0] = 0x80 | (padding ? 0x20 : 0) | 15; // V=2, P, FMT=15
  buf[1] = 205; // RTPFB
  buf.writeUInt16BE(length / 4 - 1, 2);
  buf.writeUInt32BE(p.senderSsrc >>> 0, 4);
  buf.writeUInt32BE(p.mediaSsrc >>> 0, 8);
  buf.writeUInt16BE(p.baseSeq & 0xffff, 12);
  buf.writeUInt16BE(statuses.length, 14);
  buf.writeUIntBE(referenceTime & 0xffffff, 16, 3);
  buf[19] = p.count & 0xff;
  let at = 20;
  for (const chunk of chunks) at = buf.writeUInt16BE(chunk, at);
  let d = 0;
  for (const status of statuses) {
    if (status === Status.SmallDelta) at = buf.writeUInt8(deltas[d++], at);
    else if (status === Status.LargeDelta) at = buf.writeInt16BE(deltas[d++], at);
  }
  if (padding) buf[length - 1] = padding;
  return buf;
}

export interface TwccSink {
  /** Sends one serialized RTCP packet (werift's DTLS transport's sendRtcp). */
  send(packet: Buffer): void;
  senderSsrc(): number;
  mediaSsrc(): number;
}

/**
 * Records the arrival of each transport-wide sequence number and sends feedback on them. Plugged
 * into werift's receiver in place of its ReceiverTWCC (the same `handleTWCC` entry, called for
 * each RTP packet with the number from the header extension).
 */
export class TwccFeedback {
  /** werift's receiver sets this false when it stops; checked only by its own class. */
  twccRunning = true;
  private readonly arrivals = new Map<number, number>();
  /** The extended (unwrapped) number of the newest packet, and of the first not yet reported. */
  private newest = -1;
  private next = -1;
  private count = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly sink: TwccSink,
    private readonly nowUs: () => number = () => Math.round(performance.now() * 1000),
  ) {}

  handleTWCC(seq: unknown): void {
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq > 0xffff) return;
    const ext = this.extend(seq);
    if (this.next < 0) this.next = ext;
    if (ext < this.next) return; // already reported as lost
    this.arrivals.set(ext, this.nowUs());
    if (ext > this.newest) this.newest = ext;
    this.timer ??= setInterval(() => this.flush(), FEEDBACK_INTERVAL_MS);
  }

  /** Sends the feedback on everything since the last one (called by the timer; public for tests). */
  flush(): void {
    if (this.newest < 0 || this.newest < this.next) return;
    if (this.newest - this.next >= MAX_SPAN) {
      for (let s = this.next; s <= this.newest - MAX_SPAN; s++) this.arrivals.delete(s);
      this.next = this.newest - MAX_SPAN + 1;
    }
    const arrivalsUs: (number | undefined)[] = [];
    for (let s = this.next; s <= this.newest; s++) {
      arrivalsUs.push(this.arrivals.get(s));
      this.arrivals.delete(s);
    }
    const packet = buildTwccFeedback({
      senderSsrc: this.sink.senderSsrc(),
      mediaSsrc: this.sink.mediaSsrc(),
      baseSeq: this.next,
      arrivalsUs,
      count: this.count,
    });
    this.count = (this.count + 1) & 0xff;
    this.next = this.newest + 1;
    this.sink.send(packet);
  }

  stop(): void {
    clearInterval(this.timer);
    this.arrivals.clear();
  }

  /** The 16-bit number as a count that keeps growing across wrap-arounds (nearest to the newest). */
  private extend(seq: number): number {
    if (this.newest < 0) return seq;
    const base = this.newest - (this.newest & 0xffff);
    let ext = base + seq;
    if (ext < this.newest - 0x8000) ext += 0x10000;
    else if (ext > this.newest + 0x8000) ext -= 0x10000;
    return ext;
  }
}
