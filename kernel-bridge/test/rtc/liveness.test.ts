/**
 * The worker's liveness watchdog (src/rtc/worker/liveness.ts) under fake timers: a browser that
 * falls silent is declared gone after the timeout, one that keeps talking never is.
 */
import { Liveness } from '../../src/rtc/worker/liveness';

describe('Liveness', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('declares a silent browser gone once, within a quarter of the timeout after it', () => {
    const gone = jest.fn();
    const liveness = new Liveness(4000, gone);
    liveness.start();
    jest.advanceTimersByTime(3999);
    expect(gone).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1000);
    expect(gone).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(60_000);
    expect(gone).toHaveBeenCalledTimes(1);
  });

  it('keeps a browser that sends packets alive; silence counts from the last packet', () => {
    const gone = jest.fn();
    const liveness = new Liveness(4000, gone);
    liveness.start();
    for (let i = 0; i < 100; i++) {
      jest.advanceTimersByTime(1000);
      liveness.heard();
    }
    expect(gone).not.toHaveBeenCalled();
    jest.advanceTimersByTime(3000);
    expect(gone).not.toHaveBeenCalled();
    jest.advanceTimersByTime(2000);
    expect(gone).toHaveBeenCalledTimes(1);
  });

  it('does nothing before start and after stop', () => {
    const gone = jest.fn();
    const liveness = new Liveness(4000, gone);
    jest.advanceTimersByTime(60_000);
    liveness.start();
    liveness.stop();
    jest.advanceTimersByTime(60_000);
    expect(gone).not.toHaveBeenCalled();
  });
});
