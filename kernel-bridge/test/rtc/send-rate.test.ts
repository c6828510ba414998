import { LOSS_WINDOW_MS, LOSS_WINDOW_PACKETS, MIN_APPLY_INTERVAL_MS, MIN_BPS, SendRate } from '../../src/rtc/send-rate';

const CAP = 1_000_000;

/** Feeds one receiver report a second from `start` on; returns the time after the last one. */
function reports(rate: SendRate, loss: number, count: number, start: number): number {
  let t = start;
  for (let i = 0; i < count; i++, t += 1000) rate.onLoss(loss, t);
  return t;
}

describe('SendRate: the loss-based encoder bitrate', () => {
  it('starts at the cap and stays there on a clean link', () => {
    const rate = new SendRate(CAP);
    reports(rate, 0, 10, 0);
    expect(rate.bitrate).toBe(CAP);
  });

  it('backs off by half the loss above 10% loss, at once when that is worth a keyframe', () => {
    const rate = new SendRate(CAP);
    expect(rate.onLoss(0.4, 0)).toBe(true);
    expect(rate.bitrate).toBe(800_000);
  });

  it('leaves the encoder alone while the loss swings around 5% (no keyframe every 2 s)', () => {
    const rate = new SendRate(CAP);
    const swings = [0.12, 0, 0.06, 0.12, 0.01, 0.04, 0.11, 0, 0.05, 0.12, 0.02];
    const changes = swings.filter((loss, i) => rate.onLoss(loss, i * 1000)).length;
    expect(changes).toBe(0);
    expect(rate.bitrate).toBe(CAP);
  });

  it('holds between 2% and 10% loss (what NACK repairs)', () => {
    const rate = new SendRate(CAP);
    rate.onLoss(0.3, 0);
    const held = rate.bitrate;
    reports(rate, 0.05, 10, 5000);
    expect(rate.bitrate).toBe(held);
    expect(rate.estimate).toBe(held);
  });

  it('never goes below the minimum under heavy loss', () => {
    const rate = new SendRate(CAP);
    reports(rate, 0.9, 30, 0);
    expect(rate.bitrate).toBe(MIN_BPS);
  });

  it('re-opens the encoder at most every interval: reports in between only move the estimate', () => {
    const rate = new SendRate(CAP);
    expect(rate.onLoss(0.5, 0)).toBe(true);
    expect(rate.onLoss(0.5, MIN_APPLY_INTERVAL_MS / 2)).toBe(false);
    expect(rate.bitrate).toBe(750_000);
    expect(rate.estimate).toBeCloseTo(562_500);
    expect(rate.onLoss(0.05, MIN_APPLY_INTERVAL_MS)).toBe(true); // 5%: holds the estimate, applies it
    expect(rate.bitrate).toBe(562_500);
  });

  it('grows back 5% a report after the loss ends, applied in steps of at least 15%', () => {
    const rate = new SendRate(CAP);
    reports(rate, 0.6, 4, 0); // 1e6 * 0.7^4
    expect(rate.estimate).toBeCloseTo(240_100);
    expect(rate.bitrate).toBe(343_000); // the 4th report came within the interval
    const applied: number[] = [];
    for (let t = 10_000; t < 60_000; t += 1000) if (rate.onLoss(0, t)) applied.push(rate.bitrate);
    expect(applied[0]).toBeLessThan(343_000); // the decrease held back at t=3 s goes in first
    expect(applied.length).toBeGreaterThan(2);
    for (let i = 2; i < applied.length; i++) expect(applied[i] / applied[i - 1]).toBeGreaterThanOrEqual(1.15);
    expect(applied.at(-1)).toBeGreaterThan(CAP / 1.15);
    expect(rate.estimate).toBe(CAP);
  });

  it('follows the browser REMB as an upper bound, and lifts with it', () => {
    const rate = new SendRate(CAP);
    expect(rate.onRemb(400_000, 0)).toBe(true);
    expect(rate.bitrate).toBe(400_000);
    rate.onRemb(2_000_000, MIN_APPLY_INTERVAL_MS);
    reports(rate, 0, 30, 2 * MIN_APPLY_INTERVAL_MS);
    expect(rate.bitrate).toBeGreaterThan(CAP / 1.15);
  });

  it('applies a new cap at once; a raised cap on a clean link is used in full', () => {
    const rate = new SendRate(CAP);
    rate.onLoss(0.2, 0);
    expect(rate.setCap(500_000, 1)).toBe(true);
    expect(rate.bitrate).toBe(500_000);
    const fresh = new SendRate(CAP);
    expect(fresh.setCap(3_000_000, 0)).toBe(true);
    expect(fresh.bitrate).toBe(3_000_000);
    expect(fresh.setCap(3_000_000, 1)).toBe(false);
  });

  it('ignores reports that are not numbers and clamps the fraction to 0-1', () => {
    const rate = new SendRate(CAP);
    expect(rate.onLoss(Number.NaN, 0)).toBe(false);
    expect(rate.onRemb(-5, 0)).toBe(false);
    expect(rate.onLoss(7, 0)).toBe(true); // read as 100%
    expect(rate.bitrate).toBe(500_000);
  });

  it('judges receiver reports by their cumulative counts over a window, not each tiny interval', () => {
    const rate = new SendRate(CAP);
    // many reports a second, 1 packet in 20 lost: each report alone would say 0% or 50%
    let lost = 0;
    let seq = 1000;
    let changed = 0;
    for (let t = 0; t < 10_000; t += 100) {
      seq += 3;
      if (t % 600 === 0) lost += 1;
      if (rate.onReceiverReport(lost, seq, t)) changed++;
    }
    expect(changed).toBe(0);
    expect(rate.bitrate).toBe(CAP);
    expect(rate.estimate).toBe(CAP); // ~5.5% loss: hold
  });

  it('backs off once a window of reports shows heavy loss', () => {
    const rate = new SendRate(CAP);
    expect(rate.onReceiverReport(0, 0, 0)).toBe(false);
    expect(rate.onReceiverReport(40, 100, LOSS_WINDOW_MS - 1)).toBe(false); // window too short
    expect(rate.onReceiverReport(40, LOSS_WINDOW_PACKETS - 1, LOSS_WINDOW_MS)).toBe(false); // too few packets
    expect(rate.onReceiverReport(40, 100, LOSS_WINDOW_MS)).toBe(true); // 40% lost
    expect(rate.bitrate).toBe(800_000);
  });
});
