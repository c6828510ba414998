/**
 * The kernel transport's link figures on the browser's side (src/streamer/link-meter.ts) on a fake
 * clock, the link's hooks into it (bytes received, a round trip per frame acked by its own number),
 * and the overlay's browser figures made from a reading (kernel-link-stats.ts).
 */
import { kernelLinkStats } from '../streamer/kernel-link-stats';
import { IEncodedChunkLike, IKernelCodecs, KernelTransportLink } from '../streamer/kernel-transport';
import { LinkMeter } from '../streamer/link-meter';
import { MAX_MEDIA_IN_FLIGHT, MEDIA_HEADER_BYTES, writeMediaHeader } from '../streamer/protocol';

function meterAt(start = 1000) {
  const clock = { now: start };
  return { clock, meter: new LinkMeter(() => clock.now) };
}

describe('LinkMeter (browser)', () => {
  it('gives kbit/s each way over the interval since the last reading, then starts the next', () => {
    const { clock, meter } = meterAt();
    meter.countOut(12_500);
    meter.countIn(20);
    clock.now += 500;
    expect(meter.read()).toEqual({ kbps_in: 0.32, kbps_out: 200, rtt_ms: null });
    meter.countIn(1000);
    clock.now += 1000;
    expect(meter.read()).toEqual({ kbps_in: 8, kbps_out: 0, rtt_ms: null });
  });

  it('the round trip: the mean over the interval of sent → acked by its own number, across the 32-bit wrap', () => {
    const { clock, meter } = meterAt();
    const first = 0xffffffff - 1;
    const seqs = Array.from({ length: MAX_MEDIA_IN_FLIGHT }, (_, i) => (first + i) >>> 0);
    for (const seq of seqs) {
      meter.frameSent(seq);
      clock.now += 5;
    }
    meter.frameAcked(seqs[0]); // 20 ms
    meter.frameAcked(seqs[3]); // 5 ms; the two between are freed by it cumulatively: no sample
    expect(meter.read().rtt_ms).toBe(12.5);
    expect(meter.read().rtt_ms).toBeNull();
  });
});

function control(kind: 'ack' | 'keepalive', seq: number): DataView {
  const b = new Uint8Array(MEDIA_HEADER_BYTES);
  writeMediaHeader(b, kind, seq);
  return new DataView(b.buffer);
}

function chunk(type: 'key' | 'delta', bytes: number): IEncodedChunkLike {
  return { type, timestamp: 33_000, byteLength: bytes, copyTo: (d) => d.fill(1) };
}

describe('KernelTransportLink (browser) metering', () => {
  it("counts every buffer received, and times each camera frame's own ack", () => {
    const clock = { now: 0 };
    const meter = new LinkMeter(() => clock.now);
    let emit: ((c: IEncodedChunkLike) => void) | null = null;
    const codecs = {
      onDecodeError: null,
      output: null,
      encodeCamera: (_t: MediaStreamTrack, onChunk: (c: IEncodedChunkLike) => void) => (emit = onChunk),
      forceKeyframe: () => undefined,
      decode: () => true,
      close: () => undefined,
    } as unknown as IKernelCodecs;
    const link = new KernelTransportLink({
      send: () => undefined,
      codecs,
      onOutput: () => undefined,
      onProblem: () => undefined,
      meter,
    });
    link.start({} as MediaStreamTrack);
    emit!(chunk('key', 100));
    clock.now += 30;
    emit!(chunk('delta', 100));
    clock.now += 10;
    link.receive([control('ack', 0)]); // 40 ms
    link.receive([control('keepalive', 0)]);
    link.receive([control('ack', 1)]); // 10 ms
    clock.now += 960;
    // received: three 20-byte buffers in 1000 ms; the bytes sent are counted by the link's owner
    expect(meter.read()).toEqual({ kbps_in: 0.48, kbps_out: 0, rtt_ms: 25 });
    link.close();
  });
});

describe('kernelLinkStats', () => {
  it('gives the overlay the link figures, marked kernel, with nothing that only RTP has', () => {
    const stats = kernelLinkStats({ kbps_in: 900, kbps_out: 1200, rtt_ms: 42 }, 3);
    expect(stats).toMatchObject({
      transport: 'kernel',
      kbps_in: 900,
      kbps_out: 1200,
      rtt_ms: 42,
      link_dropped: 3,
      lost_out: null,
      loss_out: null,
      lost_in: null,
      quality_limitation: null,
    });
  });
});
