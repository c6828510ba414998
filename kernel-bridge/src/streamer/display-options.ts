/**
 * How the streamer widget shows itself, set by the notebook: its own texts (`labels`), a mirrored
 * local preview (`mirror`), the input pane hidden (`show_input`) and the videos' size (`size`).
 * They change nothing the kernel sends or receives, only the widget's DOM, so they are kept apart
 * from the session's protocol. src/streamer/display-options.ts is the frontend's copy, and both
 * are tested against kernel-bridge/test/fixtures/streamer-protocol.json ("display"); docs/design.md,
 * "Streamer widget protocol", describes the traits.
 */

/** The widget texts a notebook may replace (`webrtcStreamer({ labels: { start: 'Go' } })`). */
export const LABEL_KEYS = [
  'start',
  'stop',
  'camera',
  'microphone',
  'record',
  'stopRecording',
  'mute',
  'unmute',
  'inputCaption',
  'outputCaption',
  'idle',
] as const;
type LabelKey = (typeof LABEL_KEYS)[number];
export type StreamerLabels = Partial<Record<LabelKey, string>>;

export const DISPLAY_LIMITS = {
  /** A label is a button or a caption: a phrase, not a paragraph. */
  MAX_LABEL_LENGTH: 80,
  /** A size given in pixels (a number): as a quality cap's side. */
  MIN_SIZE_PX: 16,
  MAX_SIZE_PX: 7680,
  /** A size given as a CSS length ("50%", "30em"). */
  MAX_CSS_LENGTH: 16,
};

/** The `size` state: CSS lengths (a number of pixels becomes "<n>px"); null = the frame's own size. */
export interface IVideoSize {
  width: string | null;
  height: string | null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `labels`: an object of LABEL_KEYS only, each a non-blank string of at most MAX_LABEL_LENGTH
 * characters; null or {} = the (translated) defaults.
 */
export function parseLabels(value: unknown): Parsed<StreamerLabels> {
  if (value === null || value === undefined) return { ok: true, value: {} };
  if (!isObject(value)) return { ok: false, reason: 'labels must be an object such as { start: "Go" }' };
  const labels: StreamerLabels = {};
  for (const [key, text] of Object.entries(value)) {
    if (!(LABEL_KEYS as readonly string[]).includes(key)) {
      return { ok: false, reason: `labels has no key ${JSON.stringify(key)} (known: ${LABEL_KEYS.join(', ')})` };
    }
    if (typeof text !== 'string' || text.trim() === '' || text.length > DISPLAY_LIMITS.MAX_LABEL_LENGTH) {
      return {
        ok: false,
        reason: `labels.${key} must be a non-blank string of at most ${DISPLAY_LIMITS.MAX_LABEL_LENGTH} characters`,
      };
    }
    labels[key as LabelKey] = text;
  }
  return { ok: true, value: labels };
}

/** Units a size may use: absolute, font-relative, and relative to the cell's width or the viewport. */
const CSS_LENGTH = /^(?:\d{1,5}(?:\.\d{1,3})?)(?:px|em|rem|ch|%|vw|vh|vmin|vmax|cm|mm|in|pt)$/;

function parseLength(value: unknown, name: string): Parsed<string | null> {
  const { MIN_SIZE_PX, MAX_SIZE_PX, MAX_CSS_LENGTH } = DISPLAY_LIMITS;
  if (value === null || value === undefined) return { ok: true, value: null };
  if (typeof value === 'number' && Number.isInteger(value) && value >= MIN_SIZE_PX && value <= MAX_SIZE_PX) {
    return { ok: true, value: `${value}px` };
  }
  if (
    typeof value === 'string' &&
    value.length <= MAX_CSS_LENGTH &&
    CSS_LENGTH.test(value) &&
    Number.parseFloat(value) > 0
  ) {
    return { ok: true, value };
  }
  return {
    ok: false,
    reason: `size.${name} must be a number of pixels from ${MIN_SIZE_PX} to ${MAX_SIZE_PX} or a CSS length such as "480px", "50%" or "30em"`,
  };
}

/** `size`: { width?, height? }, each pixels or a CSS length; null = the videos' own size. */
export function parseVideoSize(value: unknown): Parsed<IVideoSize | null> {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (!isObject(value)) return { ok: false, reason: 'size must be an object such as { width: 480 }' };
  const unknown = Object.keys(value).find((key) => key !== 'width' && key !== 'height');
  if (unknown !== undefined) return { ok: false, reason: `size has no field ${JSON.stringify(unknown)}` };
  const width = parseLength(value.width, 'width');
  if (!width.ok) return width;
  const height = parseLength(value.height, 'height');
  if (!height.ok) return height;
  return { ok: true, value: { width: width.value, height: height.value } };
}

/** `mirror` and `show_input`: booleans (absent = the default). */
export function parseFlag(value: unknown, name: string, def: boolean): Parsed<boolean> {
  if (value === undefined || value === null) return { ok: true, value: def };
  if (typeof value !== 'boolean') return { ok: false, reason: `${name} must be true or false` };
  return { ok: true, value };
}
