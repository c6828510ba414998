/**
 * The stats overlay's text: the kernel's `stats` message (one a second, from the worker's counters)
 * as the lines view.ts shows. Kept apart from the view so the wording is in one small place.
 */
import type { IStatsMessage } from './protocol';

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

/** Lines of the stats overlay for one `stats` message from the kernel. */
export function formatStats(stats: IStatsMessage): string[] {
  return [
    `in ${fixed(stats.fps_in, 1)} fps · out ${fixed(stats.fps_out, 1)} fps`,
    `dropped ${Math.round(stats.dropped)}`,
    `decode ${fixed(stats.decode_ms, 1)} ms · transform ${fixed(
      stats.transform_ms,
      1,
    )} ms · encode ${fixed(stats.encode_ms, 1)} ms`,
  ];
}
