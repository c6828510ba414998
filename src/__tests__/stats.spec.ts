/**
 * The stats overlay's content: every stage of the three sides in pipeline order, the figures where
 * known and null (a dash) where not, and the data attributes tests and the page benchmark read.
 */
import { renderStatsTable } from '../streamer/dom';
import { kernelLinkStats } from '../streamer/kernel-link-stats';
import { browserStats, parseRtcStats } from '../streamer/rtc-stats';
import { rowText, statsGroups, statsNotes } from '../streamer/stats';
import { kernelStats } from './fakes';

const STAGES = [
  'camera.captured',
  'camera.encoded',
  'camera.sent',
  'kernel.received',
  'kernel.decoded',
  'kernel.decode_failed',
  'kernel.dropped_worker',
  'kernel.dropped_main',
  'kernel.delivered',
  'kernel.transformed',
  'kernel.transform_errors',
  'kernel.dropped_send',
  'kernel.encoded',
  'kernel.sent',
  'output.received',
  'output.decoded',
  'output.dropped',
  'output.shown',
];

describe('statsGroups', () => {
  it('lists every stage in pipeline order, with the kernel figures and per-stage times', () => {
    const groups = statsGroups(kernelStats(), null, { fps: 29, total: 800, renderDropped: 2 });
    expect(groups.map((g) => g.title)).toEqual(['camera → kernel', 'kernel', 'kernel → output']);
    const rows = groups.flatMap((g) => g.rows);
    expect(rows.map((r) => r.stage)).toEqual(STAGES);
    const byStage = Object.fromEntries(rows.map((r) => [r.stage, r]));
    expect(byStage['kernel.decoded']).toMatchObject({ fps: 30, total: 895, ms: 1.2 });
    expect(byStage['kernel.transformed']).toMatchObject({ fps: 28.5, total: 860, ms: 4 });
    expect(byStage['kernel.encoded']).toMatchObject({ total: 857, ms: 2.5 });
    expect(byStage['kernel.dropped_main']).toMatchObject({ total: 20, ms: null });
    expect(byStage['output.shown']).toMatchObject({ fps: 29, total: 800 });
    expect(byStage['camera.captured']).toMatchObject({ fps: null, total: null });
    expect(rowText(byStage['kernel.decoded'])).toEqual(['30.0', '895', '1.2 ms']);
    expect(rowText(byStage['camera.captured'])).toEqual(['–', '–', '']);
  });

  it('takes the browser rows from getStats()', () => {
    const sample = (at: number, frames: number) =>
      parseRtcStats(
        new Map([
          [
            'o',
            {
              type: 'outbound-rtp',
              kind: 'video',
              timestamp: at,
              framesEncoded: frames,
              totalEncodeTime: frames / 100,
            },
          ],
          ['i', { type: 'inbound-rtp', kind: 'video', timestamp: at, framesDecoded: frames - 5, jitterBufferDelay: 1 }],
        ]),
        0,
      );
    const browser = browserStats(sample(2000, 60), sample(1000, 30));
    const rows = statsGroups(null, browser, null).flatMap((g) => g.rows);
    const byStage = Object.fromEntries(rows.map((r) => [r.stage, r]));
    expect(byStage['camera.encoded']).toMatchObject({ fps: 30, total: 60, ms: 10 });
    expect(byStage['output.decoded']).toMatchObject({ fps: 30, total: 55 });
    expect(byStage['kernel.decoded']).toMatchObject({ fps: null, total: null });
    expect(byStage['output.shown']).toMatchObject({ fps: null, total: null });
  });
});

describe('the rendered overlay', () => {
  it('carries each figure as a number in data attributes, and leaves unknown ones out', () => {
    const el = document.createElement('div');
    const kernel = kernelStats();
    const shown = { fps: 29.5, total: 800, renderDropped: 2 };
    renderStatsTable(el, statsGroups(kernel, null, shown), statsNotes(kernel, null, shown));
    expect([...el.querySelectorAll<HTMLElement>('[data-stage]')].map((r) => r.dataset.stage)).toEqual(STAGES);
    const sent = el.querySelector<HTMLElement>('[data-stage="kernel.sent"]')!;
    expect(sent.dataset).toMatchObject({ stage: 'kernel.sent', fps: '28', total: '857' });
    expect(sent.dataset.ms).toBeUndefined();
    expect(sent.querySelector<HTMLElement>('[data-total]')!.textContent).toBe('857');
    const captured = el.querySelector<HTMLElement>('[data-stage="camera.captured"]')!;
    expect(captured.dataset.fps).toBeUndefined();
    expect(captured.dataset.total).toBeUndefined();
    const stat = (name: string) => el.querySelector<HTMLElement>(`[data-stat="${name}"]`)!;
    expect(stat('kernel.kbps_out').dataset.value).toBe('1380');
    expect(stat('kernel.loss_out').textContent).toContain('1.0%');
    expect(stat('output.render_dropped').dataset.value).toBe('2');
    expect(stat('camera.quality_limitation').dataset.value).toBeUndefined();
    expect(el.querySelectorAll('table')).toHaveLength(3);
  });

  it('shows an unmeasured round-trip time as a dash', () => {
    const el = document.createElement('div');
    const kernel = kernelStats({ rtt_ms: null });
    renderStatsTable(el, statsGroups(kernel, null, null), statsNotes(kernel, null, null));
    const rtt = el.querySelector<HTMLElement>('[data-stat="kernel.rtt_ms"]')!;
    expect(rtt.dataset.value).toBeUndefined();
    expect(rtt.textContent).toContain('RTT –');
  });

  it('over the kernel transport: names it, shows the link figures, and nothing that only RTP has', () => {
    const el = document.createElement('div');
    const kernel = kernelStats({ transport: 'kernel', kbps_in: 1210, kbps_out: 1185, rtt_ms: 41.3, link_dropped: 2 });
    const browser = kernelLinkStats({ kbps_in: 1180, kbps_out: 1220, rtt_ms: 65.25 }, 0);
    const shown = { fps: 29.5, total: 800, renderDropped: 2 };
    renderStatsTable(el, statsGroups(kernel, browser, shown), statsNotes(kernel, browser, shown));
    const stats = Object.fromEntries(
      [...el.querySelectorAll<HTMLElement>('[data-stat]')].map((n) => [
        n.dataset.stat,
        [n.dataset.value, n.textContent],
      ]),
    );
    expect(stats).toEqual({
      'camera.kbps': ['1220', '1220 kbit/s'],
      'camera.rtt_ms': ['65.25', ' · ack RTT 65.3 ms'],
      'camera.link_dropped': ['0', ' · no credit 0'],
      'kernel.transport': ['kernel', 'kernel connection'],
      'kernel.kbps_in': ['1210', ' · in 1210'],
      'kernel.kbps_out': ['1185', ' · out 1185 kbit/s'],
      'kernel.rtt_ms': ['41.3', ' · ack RTT 41.3 ms'],
      'kernel.link_dropped': ['2', ' · no credit 2'],
      'output.kbps': ['1180', '1180 kbit/s'],
      'output.render_dropped': ['2', ' · late 2'],
    });
    expect(el.textContent).not.toMatch(/null|NaN|undefined/);
  });

  it('over the kernel transport before the first kernel stats message: the browser figures alone name it', () => {
    const notes = statsNotes(null, kernelLinkStats({ kbps_in: 0, kbps_out: 0, rtt_ms: null }, 0), null);
    expect(notes[1].map((n) => [n.stat, n.text])).toEqual([
      ['kernel.transport', 'kernel connection'],
      ['kernel.kbps_in', 'in –'],
      ['kernel.kbps_out', 'out – kbit/s'],
      ['kernel.rtt_ms', 'ack RTT –'],
      ['kernel.link_dropped', 'no credit –'],
    ]);
  });
});
