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
