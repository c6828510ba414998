/**
 * SourceClock (streamer/source-clock.ts): a source's timestamps on the stream's clock — tied to now
 * at the first frame, spacing kept, tied again on a jump backwards (a file's next loop, another
 * source) or a long jump forwards, and after reset().
 */
import { MAX_STEP_MS, SourceClock } from '../../src/streamer/source-clock';

describe('SourceClock', () => {
  it('ties the first frame to now and keeps the spacing of the next ones', () => {
    let now = 1_000_000;
    const clock = new SourceClock(() => now);
    expect(clock.map(0)).toBe(1_000_000);
    now += 5; // read late: the source's spacing wins, not the arrival time
    expect(clock.map(33.3)).toBeCloseTo(1_000_033.3);
    expect(clock.map(66.6)).toBeCloseTo(1_000_066.6);
  });

  it('ties again on a jump backwards (a loop) or forwards beyond MAX_STEP_MS, and after reset', () => {
    let now = 5_000;
    const clock = new SourceClock(() => now);
    clock.map(900);
    now = 6_000;
    expect(clock.map(0)).toBe(6_000); // the file's next loop starts at 0 again: time still goes on
    now = 7_000;
    expect(clock.map(MAX_STEP_MS + 1)).toBe(7_000);
    expect(clock.map(MAX_STEP_MS + 2)).toBe(7_001);
    now = 9_000;
    clock.reset();
    expect(clock.map(MAX_STEP_MS + 3)).toBe(9_000);
  });
});
