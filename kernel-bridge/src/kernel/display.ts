/**
 * How the kernel shows a value, for a cell's last expression and for display(): one policy so
 * both show a value the same way.
 */
import { inspect } from 'util';
import { isDisplayable, MIME_BUNDLE, MimeBundle } from './api';

/** How the kernel shows a value: its own bundle if it has one, else Node's inspect as text. */
export function toMimeBundle(value: unknown): MimeBundle {
  if (isDisplayable(value)) return value[MIME_BUNDLE]();
  if (isMimeBundle(value)) return value;
  const text = typeof value === 'string' ? value : inspect(value, { depth: 4, maxArrayLength: 100 });
  return { data: { 'text/plain': text } };
}

/** `{data: {'text/html': ...}}`: every key of data a MIME type. */
function isMimeBundle(value: unknown): value is MimeBundle {
  if (typeof value !== 'object' || value === null) return false;
  const data = (value as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const keys = Object.keys(data);
  return keys.length > 0 && keys.every((key) => /^[\w.+-]+\/[\w.+-]+$/.test(key));
}
