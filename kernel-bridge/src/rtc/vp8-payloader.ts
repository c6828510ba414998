/**
 * VP8 RTP payloader (RFC 7741, section 4). Written by hand for this project: werift ships VP8
 * *de*packetization only, no payloader.
 *
 * Every packet carries the payload descriptor
 *
 *     byte 0: |X=1|R|N=0|S|R|PID=0|      S = 1 on the first packet of a frame
 *     byte 1: |I=1|L=0|T=0|K=0|RSV|      extension byte: a PictureID follows
 *     byte 2-3: |M=1| PictureID (15 bits)|
 *
 * followed by a slice of the VP8 frame. The RTP marker bit goes on the last packet of a frame
 * (the caller sets it from `marker`). We emit one partition per frame (PID 0), which is what
 * libvpx produces without token partitions.
 */

export const VP8_DESCRIPTOR_SIZE = 4;
/** Default maximum RTP payload: leaves room for RTP header (12), header extensions and SRTP tag
 * under a 1200-byte path MTU. */
const DEFAULT_MAX_PAYLOAD = 1100;

export interface Vp8Payload {
  payload: Buffer;
  /** Set the RTP marker bit (last packet of the frame). */
  marker: boolean;
}

export class Vp8Payloader {
  private pictureId: number;

  constructor(
    readonly maxPayload = DEFAULT_MAX_PAYLOAD,
    initialPictureId = Math.floor(Math.random() * 0x8000),
  ) {
    if (maxPayload <= VP8_DESCRIPTOR_SIZE) throw new RangeError('maxPayload too small');
    this.pictureId = initialPictureId & 0x7fff;
  }

  /** The PictureID the next frame will carry. */
  get nextPictureId(): number {
    return this.pictureId;
  }

  /** Splits one encoded VP8 frame into RTP payloads (in order; the last one has marker=true). */
  packetize(frame: Uint8Array): Vp8Payload[] {
    if (frame.byteLength === 0) return [];
    const pid = this.pictureId;
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    const chunk = this.maxPayload - VP8_DESCRIPTOR_SIZE;
    // Even split: avoid a tiny last packet (better for loss and pacing).
    const count = Math.ceil(frame.byteLength / chunk);
    const per = Math.ceil(frame.byteLength / count);
    const out: Vp8Payload[] = [];
    for (let i = 0, off = 0; i < count; i++, off += per) {
      const end = Math.min(off + per, frame.byteLength);
      const p = Buffer.allocUnsafe(VP8_DESCRIPTOR_SIZE + end - off);
      p[0] = 0x80 | (i === 0 ? 0x10 : 0); // X, S, PID=0
      p[1] = 0x80; // I
      p[2] = 0x80 | (pid >> 8); // M=1, PictureID high 7 bits
      p[3] = pid & 0xff;
      p.set(frame.subarray(off, end), VP8_DESCRIPTOR_SIZE);
      out.push({ payload: p, marker: i === count - 1 });
    }
    return out;
  }
}

/** True when an encoded VP8 frame is a keyframe (RFC 6386 9.1: bit 0 of the frame tag is 0). */
export function isVp8Keyframe(frame: Uint8Array): boolean {
  return frame.byteLength > 0 && (frame[0] & 0x01) === 0;
}
