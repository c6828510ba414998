/**
 * The streamer's quality controls between the notebook and the media worker: the notebook's
 * camelCase options to the synced `quality` state, the widget's fields over the browser's site
 * setting (field by field), and the result as the caps the kernel's encoder applies.
 */
import type { EncoderCaps } from '../rtc';
import { Degradation, IQuality } from './protocol';

/** `webrtcStreamer({ quality })` and `streamer.setQuality()`: caps on both directions of the stream. */
export interface QualityOptions {
  /** Widest picture sent, px (16-7680; scaled down keeping the aspect ratio). */
  maxWidth?: number | null;
  /** Tallest picture sent, px (16-7680). */
  maxHeight?: number | null;
  /** Most frames per second sent (1-120); frames above it are skipped. */
  maxFps?: number | null;
  /** Target bitrate, kbit/s (50-50,000). */
  bitrateKbps?: number | null;
  /** What the browser's encoder gives up first under load. */
  degradation?: Degradation | null;
}

const OPTION_OF: Record<keyof IQuality, keyof QualityOptions> = {
  max_width: 'maxWidth',
  max_height: 'maxHeight',
  max_fps: 'maxFps',
  bitrate_kbps: 'bitrateKbps',
  degradation: 'degradation',
};

/**
 * The synced `quality` value of the options (unset options = null: the site setting). An unknown
 * option name is refused, so a misspelt cap fails where it is written.
 */
export function qualityState(options: QualityOptions | null | undefined): IQuality | null {
  if (options === null || options === undefined) return null;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('quality must be an object, e.g. { maxWidth: 640, maxFps: 15 }, or null');
  }
  const known = Object.values(OPTION_OF) as string[];
  const unknown = Object.keys(options).find((name) => !known.includes(name));
  if (unknown !== undefined) throw new TypeError(`quality has no option '${unknown}' (options: ${known.join(', ')})`);
  const state = {} as Record<keyof IQuality, unknown>;
  for (const [field, option] of Object.entries(OPTION_OF) as [keyof IQuality, keyof QualityOptions][]) {
    state[field] = options[option] ?? null;
  }
  return state as unknown as IQuality;
}

/** The widget's fields where set, else the site setting's. */
export function effectiveQuality(widget: IQuality | null, site: IQuality | null): IQuality {
  const pick = <K extends keyof IQuality>(field: K): IQuality[K] => widget?.[field] ?? site?.[field] ?? null;
  return {
    max_width: pick('max_width'),
    max_height: pick('max_height'),
    max_fps: pick('max_fps'),
    bitrate_kbps: pick('bitrate_kbps'),
    degradation: pick('degradation'),
  };
}

/** What the kernel's encoder applies (it has no degradation choice: it encodes every frame it keeps). */
export function encoderCapsOf(quality: IQuality): EncoderCaps {
  return {
    maxWidth: quality.max_width,
    maxHeight: quality.max_height,
    maxFps: quality.max_fps,
    bitrate: quality.bitrate_kbps === null ? null : quality.bitrate_kbps * 1000,
  };
}
