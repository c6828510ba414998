/**
 * The check every toolkit function makes on its input first: user code passes whatever an
 * observable emitted, and a clear "expected a frame" beats a crash deep inside swscale.
 */
import { type Frame, i420Size } from './frame';

/** Throws a TypeError naming `what` unless `value` is a Frame with consistent I420 data. */
export function checkFrame(value: unknown, what: string): asserts value is Frame {
  const f = value as Partial<Frame> | null;
  const ok =
    typeof f === 'object' &&
    f !== null &&
    Number.isSafeInteger(f.width) &&
    Number.isSafeInteger(f.height) &&
    (f.width as number) > 0 &&
    (f.height as number) > 0 &&
    ArrayBuffer.isView(f.data) &&
    f.data.byteLength >= i420Size(f.width as number, f.height as number);
  if (!ok) throw new TypeError(`${what}: expected an I420 frame, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return `${typeof value} ${String(value).slice(0, 40)}`;
  const f = value as Partial<Frame>;
  if ('width' in f && 'height' in f)
    return `an object of ${String(f.width)}x${String(f.height)} without matching I420 data`;
  return `a ${value.constructor?.name ?? 'object'}`;
}
