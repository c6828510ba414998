/** RTP timestamp arithmetic of the worker, both directions, including 32-bit wrap-around. */
import { CaptureClock, RtpClock } from '../../src/rtc/worker/rtp-clock';

describe('CaptureClock (RTP -> ms)', () => {
  test('anchors the first timestamp at the wall clock, then counts 90 ticks per ms', () => {
    const clock = new CaptureClock(() => 1000);
    expect(clock.captureTimeMs(5000)).toBe(1000);
    expect(clock.captureTimeMs(5000 + 90 * 33)).toBe(1033);
  });

  test('unwraps forwards across 2^32, and a packet reordered back across the wrap', () => {
    const clock = new CaptureClock(() => 0);
    const start = 0xffffffff - 90 * 10; // 10 ms before the wrap
    expect(clock.captureTimeMs(start)).toBe(0);
    expect(clock.captureTimeMs(90 * 10 - 1)).toBeCloseTo(20, 6); // wrapped
    expect(clock.captureTimeMs(start + 90)).toBeCloseTo(1, 6); // late packet from before the wrap
    expect(clock.captureTimeMs(90 * 20 - 1)).toBeCloseTo(30, 6);
  });
});

describe('RtpClock (ms -> RTP)', () => {
  test('strictly increasing even when capture times repeat or go back; offset and wrap', () => {
    let wall = 0;
    const clock = new RtpClock(0xffffffff - 100, () => wall);
    expect(clock.rtpTimestamp(0)).toBe(0xffffffff - 100);
    expect(clock.lastTicks).toBe(0);
    expect(clock.rtpTimestamp(0)).toBe(0xffffffff - 99); // same time, no wall time passed: +1 tick
    wall = 20;
    // wrapped; the repeat shifted the clock by its 1 tick, kept from then on
    expect(clock.rtpTimestamp(10)).toBe((901 + 0xffffffff - 100) % 0x100000000);
    expect(clock.lastTicks).toBe(901);
    expect(clock.lastCaptureMs).toBe(901 / 90);
  });

  test('a jump back counts from the last frame by the wall time elapsed, and later frames keep their spacing', () => {
    let wall = 1000;
    const clock = new RtpClock(0, () => wall);
    clock.rtpTimestamp(5000);
    wall += 33;
    expect(clock.rtpTimestamp(0)).toBe(5033 * 90); // a source's next loop starting at 0
    wall += 40; // read late: the frames' own spacing (33 ms) wins from here on
    expect(clock.rtpTimestamp(33)).toBe(5066 * 90);
    expect(clock.lastCaptureMs).toBe(5066);
  });
});

describe('CaptureClock anchored at arrival (audio and video on one clock)', () => {
  test('anchor() ties the first packet to its arrival; later calls and decodes count from there (48 kHz)', () => {
    let now = 5000;
    const clock = new CaptureClock(() => now, 48000);
    clock.anchor(1000);
    now = 5300; // decoded later (a jitter buffer): the capture time still counts from the arrival
    clock.anchor(1960); // only the first anchor counts
    expect(clock.captureTimeMs(1000)).toBe(5000);
    expect(clock.captureTimeMs(1000 + 960)).toBe(5020);
  });
});
