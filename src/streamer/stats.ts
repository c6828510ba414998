/**
 * The stats overlay's content: the frame accounting of one stream, stage by stage in pipeline order
 * (camera → kernel → output), from the kernel's `stats` message, the browser's getStats() figures
 * and what the output video has shown. Kept apart from the DOM (dom.ts renders it) so the stage
 * names, which UI tests and the page benchmark read as data attributes, live in one place. Labels
 * and titles are in the page's language (`trans`, English by default); stage and stat keys never are.
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IAudioStageCounts, IStageCounts, IStatsMessage } from './protocol';
import type { IBrowserStats, IStageFigure } from './rtc-stats';
import { ENGLISH } from './said';

/** One row: a stage's frames per second, its total since the session started, and its time per frame. */
export interface IStatsRow {
  /** `data-stage`: `<side>.<stage>`, side `camera` (browser → kernel), `kernel` or `output` (kernel → browser). */
  stage: string;
  label: string;
  fps: number | null;
  total: number | null;
  ms: number | null;
}

/** A group of rows under a heading (one per side). */
export interface IStatsGroup {
  title: string;
  rows: IStatsRow[];
}

/** One figure of a side's summary line (`data-stat`, `data-value`). */
export interface IStatsNote {
  stat: string;
  value: number | string | null;
  text: string;
}

/** What the view's output <video> has shown (null where the browser cannot tell). */
export interface IShownFigures {
  fps: number | null;
  total: number;
  renderDropped: number;
}

/** The kernel's audio stages (20 ms frames), shown as a fourth table when the kernel reports them. */
function audioLabels(trans: TranslationBundle): Record<keyof IAudioStageCounts, string> {
  return {
    received: trans.__('received'),
    decoded: trans.__('decoded'),
    decode_failed: trans.__('undecodable'),
    dropped_worker: trans.__('dropped (worker)'),
    delivered: trans.__('to transform'),
    transformed: trans.__('transformed'),
    transform_errors: trans.__('transform errors'),
    dropped_send: trans.__('dropped (before encoder)'),
    encoded: trans.__('encoded'),
    sent: trans.__('sent'),
  };
}

/** The kernel's video stages: the audio's, and the frames dropped while the transform was busy. */
function kernelLabels(trans: TranslationBundle): Record<keyof IStageCounts, string> {
  const audio = audioLabels(trans);
  return {
    received: audio.received,
    decoded: audio.decoded,
    decode_failed: audio.decode_failed,
    dropped_worker: audio.dropped_worker,
    dropped_main: trans.__('dropped (waiting)'),
    delivered: audio.delivered,
    transformed: audio.transformed,
    transform_errors: audio.transform_errors,
    dropped_send: audio.dropped_send,
    encoded: audio.encoded,
    sent: audio.sent,
  };
}

const NONE: IStageFigure = { fps: null, total: null };

function row(stage: string, label: string, figure: IStageFigure, ms: number | null = null): IStatsRow {
  return { stage, label, fps: figure.fps, total: figure.total, ms };
}

function kernelMs(stats: IStatsMessage, stage: keyof IStageCounts): number | null {
  switch (stage) {
    case 'decoded':
      return stats.decode_ms;
    case 'transformed':
      return stats.transform_ms;
    case 'encoded':
      return stats.encode_ms;
    default:
      return null;
  }
}

/**
 * The overlay's table: every stage of the three sides, figures null where not (yet) known; and a
 * fourth, `audio.<stage>` rows, when the kernel reports audio.
 */
export function statsGroups(
  kernel: IStatsMessage | null,
  browser: IBrowserStats | null,
  shown: IShownFigures | null,
  trans: TranslationBundle = ENGLISH,
): IStatsGroup[] {
  const groups = videoGroups(kernel, browser, shown, trans);
  const audio = kernel?.audio;
  if (audio && audio.total.received + audio.total.sent > 0) {
    const labels = audioLabels(trans);
    const stages = Object.keys(labels) as (keyof IAudioStageCounts)[];
    groups.push({
      title: trans.__('kernel audio (20 ms frames)'),
      rows: stages.map((stage) =>
        row(`audio.${stage}`, labels[stage], { fps: audio.fps[stage], total: audio.total[stage] }),
      ),
    });
  }
  return groups;
}

function videoGroups(
  kernel: IStatsMessage | null,
  browser: IBrowserStats | null,
  shown: IShownFigures | null,
  trans: TranslationBundle,
): IStatsGroup[] {
  const b = browser;
  const labels = kernelLabels(trans);
  const stages = Object.keys(labels) as (keyof IStageCounts)[];
  return [
    {
      title: trans.__('camera → kernel'),
      rows: [
        row('camera.captured', trans.__('captured'), b?.captured ?? NONE),
        row('camera.encoded', labels.encoded, b?.encoded ?? NONE, b?.encode_ms ?? null),
        row('camera.sent', labels.sent, b?.sent ?? NONE),
      ],
    },
    {
      title: trans.__('kernel'),
      rows: stages.map((stage) =>
        row(
          `kernel.${stage}`,
          labels[stage],
          kernel ? { fps: kernel.fps[stage], total: kernel.total[stage] } : NONE,
          kernel ? kernelMs(kernel, stage) : null,
        ),
      ),
    },
    {
      title: trans.__('kernel → output'),
      rows: [
        row('output.received', labels.received, b?.received ?? NONE, b?.jitter_ms ?? null),
        row('output.decoded', labels.decoded, b?.decoded ?? NONE, b?.decode_ms ?? null),
        row('output.dropped', trans.__('dropped'), b?.dropped ?? NONE),
        row('output.shown', trans.__('shown'), shown ? { fps: shown.fps, total: shown.total } : NONE),
      ],
    },
  ];
}

function fixed(value: number | null, digits: number, unit = ''): string {
  return value === null ? '–' : `${value.toFixed(digits)}${unit}`;
}

function note(stat: string, value: number | string | null, text: string): IStatsNote {
  return { stat, value, text };
}

/** The summary line under each side: bitrate, size, round trip, loss, and why the browser's encoder holds back. */
export function statsNotes(
  kernel: IStatsMessage | null,
  browser: IBrowserStats | null,
  shown: IShownFigures | null,
  trans: TranslationBundle = ENGLISH,
): IStatsNote[][] {
  if (kernel?.transport === 'kernel' || browser?.transport === 'kernel') {
    return kernelTransportNotes(kernel, browser, shown, trans);
  }
  const b = browser;
  const lossPercent = kernel ? kernel.loss_out * 100 : null;
  return [
    [
      note('camera.kbps', b?.kbps_out ?? null, trans.__('%1 kbit/s', fixed(b?.kbps_out ?? null, 0))),
      note('camera.size', b?.send_size ?? null, b?.send_size ?? '–'),
      note('camera.rtt_ms', b?.rtt_ms ?? null, trans.__('RTT %1', fixed(b?.rtt_ms ?? null, 1, ' ms'))),
      note('camera.lost', b?.lost_out ?? null, trans.__('lost %1', fixed(b?.lost_out ?? null, 0))),
      // the limitation is the browser's own word (none, bandwidth, cpu, other)
      note(
        'camera.quality_limitation',
        b?.quality_limitation ?? null,
        trans.__('limit %1', b?.quality_limitation ?? '–'),
      ),
    ],
    [
      note('kernel.kbps_in', kernel?.kbps_in ?? null, trans.__('in %1', fixed(kernel?.kbps_in ?? null, 0))),
      note('kernel.kbps_out', kernel?.kbps_out ?? null, trans.__('out %1 kbit/s', fixed(kernel?.kbps_out ?? null, 0))),
      note('kernel.rtt_ms', kernel?.rtt_ms ?? null, trans.__('RTT %1', fixed(kernel?.rtt_ms ?? null, 1, ' ms'))),
      note('kernel.lost_in', kernel?.lost_in ?? null, trans.__('lost in %1', fixed(kernel?.lost_in ?? null, 0))),
      note('kernel.loss_out', kernel?.loss_out ?? null, trans.__('out %1', fixed(lossPercent, 1, '%'))),
    ],
    [
      note('output.kbps', b?.kbps_in ?? null, trans.__('%1 kbit/s', fixed(b?.kbps_in ?? null, 0))),
      note('output.size', b?.receive_size ?? null, b?.receive_size ?? '–'),
      note('output.lost', b?.lost_in ?? null, trans.__('lost %1', fixed(b?.lost_in ?? null, 0))),
      note(
        'output.render_dropped',
        shown?.renderDropped ?? null,
        trans.__('late %1', fixed(shown?.renderDropped ?? null, 0)),
      ),
    ],
  ];
}

/** A row's cells as shown: fps, total, ms per frame. */
export function rowText(r: IStatsRow): [string, string, string] {
  return [fixed(r.fps, 1), fixed(r.total, 0), r.ms === null ? '' : fixed(r.ms, 1, ' ms')];
}

/**
 * The summary lines over the kernel transport: the transport named, the bitrates of the comm's
 * `media` buffers, each side's ack round trip and its frames dropped for lack of credit; nothing
 * that only RTP has (sizes from getStats(), packets lost, the encoder's quality limitation).
 */
function kernelTransportNotes(
  kernel: IStatsMessage | null,
  browser: IBrowserStats | null,
  shown: IShownFigures | null,
  trans: TranslationBundle,
): IStatsNote[][] {
  const b = browser;
  return [
    [
      note('camera.kbps', b?.kbps_out ?? null, trans.__('%1 kbit/s', fixed(b?.kbps_out ?? null, 0))),
      note('camera.rtt_ms', b?.rtt_ms ?? null, trans.__('ack RTT %1', fixed(b?.rtt_ms ?? null, 1, ' ms'))),
      note('camera.link_dropped', b?.link_dropped ?? null, trans.__('no credit %1', fixed(b?.link_dropped ?? null, 0))),
    ],
    [
      note('kernel.transport', 'kernel', trans.__('kernel connection')),
      note('kernel.kbps_in', kernel?.kbps_in ?? null, trans.__('in %1', fixed(kernel?.kbps_in ?? null, 0))),
      note('kernel.kbps_out', kernel?.kbps_out ?? null, trans.__('out %1 kbit/s', fixed(kernel?.kbps_out ?? null, 0))),
      note('kernel.rtt_ms', kernel?.rtt_ms ?? null, trans.__('ack RTT %1', fixed(kernel?.rtt_ms ?? null, 1, ' ms'))),
      note(
        'kernel.link_dropped',
        kernel?.link_dropped ?? null,
        trans.__('no credit %1', fixed(kernel?.link_dropped ?? null, 0)),
      ),
    ],
    [
      note('output.kbps', b?.kbps_in ?? null, trans.__('%1 kbit/s', fixed(b?.kbps_in ?? null, 0))),
      note(
        'output.render_dropped',
        shown?.renderDropped ?? null,
        trans.__('late %1', fixed(shown?.renderDropped ?? null, 0)),
      ),
    ],
  ];
}
