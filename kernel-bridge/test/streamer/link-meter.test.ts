/**
 * The kernel transport's link figures (src/streamer/link-meter.ts) on a fake clock: bitrates from
 * the bytes counted each way over the interval since the last reading, and the ack round trip as
 * the mean of the interval's samples, only for a frame acked by its own sequence number.
 */
import { LinkMeter } from '../../src/streamer/link-meter';
import { MAX_MEDIA_IN_FLIGHT } from '../../src/streamer/protocol';

function meterAt(start = 1000) {
  const clock = { now: start };
  return { clock, meter: new LinkMeter(() => clock.now) };
}

describe('LinkMeter', () => {
  it('gives kbit/s each way over the interval since the last reading, then starts the next', () => {
    const { clock, meter } = meterAt();
    meter.countOut(10_000);
    meter.countOut(2_500);
    meter.countIn(20);
    clock.now += 500;
    // 12 500 bytes in 500 ms = 200 kbit/s; 20 bytes = 0.32 kbit/s
    expect(meter.read()).toEqual({ kbps_in: 0.32, kbps_out: 200, rtt_ms: null });
    meter.countOut(1000);
    clock.now += 1000;
    expect(meter.read()).toEqual({ kbps_in: 0, kbps_out: 8, rtt_ms: null });
  });

  it('the round trip: the mean over the interval of sent → acked by its own number; null without a sample', () => {
    const { clock, meter } = meterAt();
    meter.frameSent(0);
    clock.now += 10;
    meter.frameSent(1);
    clock.now += 20;
    meter.frameAcked(0); // 30 ms
    meter.frameAcked(1); // 20 ms
    meter.frameSent(2);
    meter.frameSent(3);
    clock.now += 40;
    meter.frameAcked(3); // 40 ms; frame 2 is freed by the same (cumulative) ack but waited for 3's: no sample
    expect(meter.read().rtt_ms).toBe(30);
    clock.now += 1000;
    expect(meter.read().rtt_ms).toBeNull();
    meter.frameAcked(3); // a second ack of the same frame gives no second sample (the credit refuses it anyway)
    expect(meter.read().rtt_ms).toBeNull();
  });

  it('keeps the send times of every frame that can be in flight, across the 32-bit wrap', () => {
    const { clock, meter } = meterAt();
    const first = 0xffffffff - 1;
    const seqs = Array.from({ length: MAX_MEDIA_IN_FLIGHT }, (_, i) => (first + i) >>> 0);
    for (const seq of seqs) {
      meter.frameSent(seq);
      clock.now += 5;
    }
    for (const seq of seqs) meter.frameAcked(seq);
    // sent at 0, 5, 10, 15 ms, all acked at 20 ms: 20, 15, 10, 5 → mean 12.5
    expect(meter.read().rtt_ms).toBe(12.5);
  });

  it('a clock that steps back gives no negative round trip', () => {
    const { clock, meter } = meterAt();
    meter.frameSent(7);
    clock.now -= 3;
    meter.frameAcked(7);
    expect(meter.read().rtt_ms).toBe(0);
  });
});
