/**
 * Per-second rates from two readings of cumulative counters (the stats reports send both the
 * totals and the rates; one helper so the worker's, MediaPeer's and the transform's counts are
 * turned into rates the same way).
 */

/** `(now - before) / interval` for every field, per second; `before` null = all zero. */
export function perSecond<K extends string>(
  now: Readonly<Record<K, number>>,
  before: Readonly<Record<K, number>> | null,
  intervalMs: number,
): Record<K, number> {
  const rates = {} as Record<K, number>;
  const scale = intervalMs > 0 ? 1000 / intervalMs : 0;
  for (const key of Object.keys(now) as K[]) {
    rates[key] = Math.max(0, (now[key] - (before ? before[key] : 0)) * scale);
  }
  return rates;
}
