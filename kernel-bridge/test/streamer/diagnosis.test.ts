/**
 * ctx.diagnose()'s waiting: the next browser report after asking, else the latest, else a clear
 * rejection; closing the widget rejects pending calls.
 */
import { ConnectionReports } from '../../src/streamer/diagnosis';
import type { ConnectionReport } from '../../src/streamer/connection-report';

const none = { host: 0, srflx: 0, prflx: 0, relay: 0 };
const report = (summary: string): ConnectionReport => ({
  outcome: 'failed',
  policy: 'all',
  ice_servers: { stun: 0, turn: 0 },
  browser_candidates: none,
  kernel_candidates: none,
  checks: { pairs: 0, succeeded: 0 },
  selected: null,
  turn_errors: [],
  summary,
  advice: [],
});

describe('ConnectionReports', () => {
  afterEach(() => jest.useRealTimers());

  it('resolves with the next report after asking', async () => {
    const reports = new ConnectionReports();
    const asked = jest.fn();
    const next = reports.next(asked, 5000);
    expect(asked).toHaveBeenCalledTimes(1);
    reports.arrived(report('fresh'));
    await expect(next).resolves.toMatchObject({ summary: 'fresh' });
    expect(reports.latest?.summary).toBe('fresh');
  });

  it('without an answer: the latest report, or a rejection saying no browser answered', async () => {
    jest.useFakeTimers();
    const reports = new ConnectionReports();
    const nothing = reports.next(() => undefined, 5000);
    jest.advanceTimersByTime(5000);
    await expect(nothing).rejects.toThrow(/no browser sent a connection report within 5 s/);
    reports.arrived(report('old'));
    const old = reports.next(() => undefined, 5000);
    jest.advanceTimersByTime(5000);
    await expect(old).resolves.toMatchObject({ summary: 'old' });
  });

  it('close() rejects what is pending', async () => {
    const reports = new ConnectionReports();
    const pending = reports.next(() => undefined, 5000);
    reports.close();
    await expect(pending).rejects.toThrow(/closed/);
  });
});
