import { RtpHeader, RtpPacket, Vp8RtpPayload, dePacketizeRtpPackets } from 'werift';
import { Vp8Payloader, VP8_DESCRIPTOR_SIZE, isVp8Keyframe } from '../../src/rtc/vp8-payloader';

const { DepacketizeCallback } = require('werift/nonstandard');

/** A fake VP8 frame: byte 0 carries the frame tag (bit 0 = 0 for keyframes). */
function fakeFrame(size: number, key: boolean, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  b[0] = key ? 0x10 : 0x11;
  return b;
}

function toRtp(payloads: { payload: Buffer; marker: boolean }[], seq0: number, ts: number): RtpPacket[] {
  return payloads.map(
    (p, i) =>
      new RtpPacket(
        new RtpHeader({ sequenceNumber: (seq0 + i) & 0xffff, timestamp: ts, marker: p.marker, payloadType: 96 }),
        p.payload,
      ),
  );
}

describe('Vp8Payloader (RFC 7741)', () => {
  test('small frame: one packet, S=1, marker, picture ID', () => {
    const p = new Vp8Payloader(1100, 1234);
    const frame = fakeFrame(500, true);
    const out = p.packetize(frame);
    expect(out).toHaveLength(1);
    expect(out[0].marker).toBe(true);
    const d = Vp8RtpPayload.deSerialize(out[0].payload);
    expect(d.xBit).toBe(1);
    expect(d.sBit).toBe(1);
    expect(d.pid).toBe(0);
    expect(d.iBit).toBe(1);
    expect(d.mBit).toBe(1);
    expect(d.pictureId).toBe(1234);
    expect(d.isKeyframe).toBe(true);
    expect(Buffer.compare(d.payload, frame)).toBe(0);
  });

  test('fragmentation across the MTU: sizes, S bit only first, marker only last, reassembly', () => {
    const max = 1100;
    const p = new Vp8Payloader(max, 7);
    const frame = fakeFrame(5000, false, 3);
    const out = p.packetize(frame);
    expect(out.length).toBe(Math.ceil(5000 / (max - VP8_DESCRIPTOR_SIZE)));
    out.forEach((o, i) => {
      expect(o.payload.length).toBeLessThanOrEqual(max);
      const d = Vp8RtpPayload.deSerialize(o.payload);
      expect(d.sBit).toBe(i === 0 ? 1 : 0);
      expect(d.pictureId).toBe(7);
      expect(o.marker).toBe(i === out.length - 1);
    });
    const { data, isKeyframe } = dePacketizeRtpPackets('vp8', toRtp(out, 65530, 9000));
    expect(isKeyframe).toBe(false);
    expect(Buffer.compare(data, frame)).toBe(0);
  });

  test('exact multiples and tiny frames', () => {
    const p = new Vp8Payloader(104, 0);
    for (const size of [1, 99, 100, 101, 200, 1000]) {
      const frame = fakeFrame(size, true, size);
      const out = p.packetize(frame);
      expect(out.length).toBe(Math.ceil(size / 100));
      const { data } = dePacketizeRtpPackets('vp8', toRtp(out, 1, 1));
      expect(Buffer.compare(data, frame)).toBe(0);
    }
    expect(p.packetize(Buffer.alloc(0))).toEqual([]);
  });

  test('picture ID increments per frame and wraps at 15 bits', () => {
    const p = new Vp8Payloader(1100, 0x7ffe);
    const ids = [0, 1, 2, 3].map(
      () => Vp8RtpPayload.deSerialize(p.packetize(fakeFrame(10, false))[0].payload).pictureId,
    );
    expect(ids).toEqual([0x7ffe, 0x7fff, 0, 1]);
  });

  test("werift's DepacketizeCallback (jitter-free) reassembles a stream of frames by marker", () => {
    const p = new Vp8Payloader(300);
    const frames = [fakeFrame(1000, true, 1), fakeFrame(250, false, 2), fakeFrame(2000, false, 3)];
    const got: { data: Buffer; isKeyframe: boolean }[] = [];
    const dep = new DepacketizeCallback('vp8', { isFinalPacketInSequence: (h: RtpHeader) => h.marker });
    dep.pipe((o: { frame?: { data: Buffer; isKeyframe: boolean } }) => o.frame && got.push(o.frame));
    let seq = 100;
    frames.forEach((f, i) => {
      const pk = toRtp(p.packetize(f), seq, i * 3000);
      seq += pk.length;
      pk.forEach((r) => dep.input({ rtp: r.clone() }));
    });
    expect(got.map((g) => g.isKeyframe)).toEqual([true, false, false]);
    got.forEach((g, i) => expect(Buffer.compare(g.data, frames[i])).toBe(0));
  });

  test('isVp8Keyframe reads the frame tag', () => {
    expect(isVp8Keyframe(fakeFrame(10, true))).toBe(true);
    expect(isVp8Keyframe(fakeFrame(10, false))).toBe(false);
    expect(isVp8Keyframe(new Uint8Array())).toBe(false);
  });
});
