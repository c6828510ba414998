/**
 * Latest-first flow control of the kernel transport's outgoing encoded frames (the kernel has the
 * same logic in kernel-bridge/src/streamer/media-credit.ts). At most `limit` frames are sent and unacknowledged;
 * an encoded frame that finds no credit is dropped, and since the frames after it reference it,
 * every frame is then dropped until a keyframe gets through: the caller asks its encoder for one
 * when offer() says 'drop_want_keyframe'. Pure logic, no I/O: unit-tested alone.
 */

export type Offered = 'send' | 'drop' | 'drop_want_keyframe';

export class MediaCredit {
  /** Sequence numbers sent and not yet acknowledged (at most `limit`). */
  private readonly unacked: number[] = [];
  private nextSeq = 0;
  /** A frame was dropped: the decoder on the other side needs a keyframe before anything else. */
  private needKeyframe = false;
  /** Encoded frames dropped so far. */
  dropped = 0;

  constructor(private readonly limit: number) {}

  get inFlight(): number {
    return this.unacked.length;
  }

  /** The sequence number the frame just offered ('send') goes out with. */
  get lastSeq(): number {
    return (this.nextSeq - 1) >>> 0;
  }

  /**
   * An encoded frame is ready: 'send' it (with lastSeq), or drop it; 'drop_want_keyframe' when the
   * encoder should now make a keyframe (once per gap, and again if that keyframe found no credit).
   */
  offer(key: boolean): Offered {
    if (this.unacked.length >= this.limit) {
      this.dropped++;
      const ask = !this.needKeyframe || key;
      this.needKeyframe = true;
      return ask ? 'drop_want_keyframe' : 'drop';
    }
    if (this.needKeyframe && !key) {
      this.dropped++;
      return 'drop';
    }
    this.needKeyframe = false;
    this.unacked.push(this.nextSeq);
    this.nextSeq = (this.nextSeq + 1) >>> 0;
    return 'send';
  }

  /**
   * The other side acknowledged `seq` and every frame sent before it (it takes them in order; the
   * older ones' acks may have ridden on a video message that never came); false when no such frame
   * is in flight (ignored).
   */
  ack(seq: number): boolean {
    const i = this.unacked.indexOf(seq);
    if (i < 0) return false;
    this.unacked.splice(0, i + 1);
    return true;
  }

  /** The other side asked for a keyframe (its decoder failed): nothing but a keyframe goes next. */
  keyframeRequested(): void {
    this.needKeyframe = true;
  }
}
