/** RTP timestamp arithmetic of the worker, both directions, including 32-bit wrap-around. */
import { CaptureClock, MAX_SLEW_MS, RtpClock } from '../../src/rtc/worker/rtp-clock';

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

describe('CaptureClock settles on the least delayed arrival', () => {
  test('a first packet that came late is corrected by later ones, MAX_SLEW_MS per read, never backwards', () => {
    let now = 10_000 + 246; // the first video packet left the browser 246 ms after its capture
    const clock = new CaptureClock(() => now, 90000);
    clock.anchor(0);
    const times = [clock.captureTimeMs(0)];
    expect(times[0]).toBe(10_246);
    for (let frame = 1; frame <= 80; frame++) {
      now = 10_000 + frame * 33 + 2; // the next ones arrive 2 ms after capture
      clock.anchor(frame * 33 * 90);
      times.push(clock.captureTimeMs(frame * 33 * 90));
    }
    for (let i = 1; i < times.length; i++) {
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(33 - MAX_SLEW_MS);
    }
    // settled: capture + the least delay (2 ms), not + 246 ms
    expect(times.at(-1)).toBeCloseTo(10_000 + 80 * 33 + 2, 6);
  });

  test('two tracks whose first packets were delayed differently end up on one clock', () => {
    let now = 0;
    const video = new CaptureClock(() => now, 90000);
    const audio = new CaptureClock(() => now, 48000);
    // both captured from t = 1000 ms; audio's first packet arrives after 30 ms, video's after 276 ms
    now = 1030;
    audio.anchor(48_000);
    now = 1276;
    video.anchor(90_000);
    for (let ms = 20; ms <= 3000; ms += 20) {
      now = 1000 + ms + 25; // then every packet of either takes 25 ms
      audio.anchor(48_000 + ms * 48);
      video.anchor(90_000 + ms * 90);
      audio.captureTimeMs(48_000 + ms * 48);
      video.captureTimeMs(90_000 + ms * 90);
    }
    const at = 3000;
    expect(Math.abs(audio.captureTimeMs(48_000 + at * 48) - video.captureTimeMs(90_000 + at * 90))).toBeLessThan(1);
  });
});
