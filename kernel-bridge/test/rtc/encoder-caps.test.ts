/**
 * The encoder caps' arithmetic (worker/caps.ts) and their check at the worker's door
 * (protocol.ts checkEncoderCaps): which frames a frame-rate cap keeps, what size a frame is scaled
 * to, and which caps the worker refuses.
 */
import { checkEncoderCaps } from '../../src/rtc/protocol';
import { fitWithin, FrameRateGate } from '../../src/rtc/worker/caps';

/** How many of `frames` frames arriving every `everyMs` ms the gate keeps. */
function kept(gate: FrameRateGate, frames: number, everyMs: number, jitterMs = 0): number {
  let count = 0;
  for (let i = 0; i < frames; i++) if (gate.admit(i * everyMs + (i % 2 ? jitterMs : -jitterMs))) count++;
  return count;
}

describe('FrameRateGate', () => {
  it('keeps every frame without a cap', () => {
    expect(kept(new FrameRateGate(null), 90, 1000 / 30)).toBe(90);
  });

  it.each([
    [15, 45],
    [20, 60],
    [10, 30],
    [30, 90],
  ])('keeps %d of 30 fps (3 s: %d frames), even with arrival jitter', (fps, expected) => {
    expect(kept(new FrameRateGate(fps), 90, 1000 / 30)).toBe(expected);
    expect(Math.abs(kept(new FrameRateGate(fps), 90, 1000 / 30, 4) - expected)).toBeLessThanOrEqual(1);
  });

  it('does not let a burst through after a pause, and a new cap starts afresh', () => {
    const gate = new FrameRateGate(10);
    expect(gate.admit(0)).toBe(true);
    expect(gate.admit(5000)).toBe(true);
    expect(gate.admit(5010)).toBe(false);
    gate.cap = null;
    expect(gate.admit(5011)).toBe(true);
    gate.cap = 1;
    expect(gate.admit(5012)).toBe(true);
    expect(gate.admit(5500)).toBe(false);
    expect(gate.admit(6012)).toBe(true);
  });
});

describe('fitWithin', () => {
  it.each([
    [640, 480, null, null, 640, 480],
    [640, 480, 640, 480, 640, 480],
    [640, 480, 320, null, 320, 240],
    [640, 480, null, 240, 320, 240],
    [1280, 720, 640, 640, 640, 360],
    [1280, 720, 1000, 300, 534, 300],
    [640, 480, 321, null, 320, 240],
    [641, 481, 320, null, 320, 240],
    [100, 100, 16, 16, 16, 16],
    [8, 6, 4, null, 4, 4],
  ])('%dx%d under %s x %s is %dx%d', (w, h, maxW, maxH, outW, outH) => {
    expect(fitWithin(w, h, maxW, maxH)).toEqual({ width: outW, height: outH });
  });
});

describe('checkEncoderCaps', () => {
  it('accepts caps in range and nulls', () => {
    const caps = { maxWidth: 320, maxHeight: null, maxFps: 7.5, bitrate: 300_000 };
    expect(checkEncoderCaps(caps)).toEqual(caps);
    expect(checkEncoderCaps({})).toEqual({ maxWidth: null, maxHeight: null, maxFps: null, bitrate: null });
  });

  it.each([
    [null, /caps must be an object/],
    [{ maxWidth: 1.5 }, /caps.maxWidth must be an integer/],
    [{ maxHeight: 9000 }, /caps.maxHeight must be an integer from 2 to 8192/],
    [{ maxFps: 0 }, /caps.maxFps/],
    [{ maxFps: Infinity }, /caps.maxFps/],
    [{ bitrate: '1000000' }, /caps.bitrate/],
  ])('refuses %j', (caps, reason) => {
    expect(() => checkEncoderCaps(caps)).toThrow(reason);
  });
});
