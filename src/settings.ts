/**
 * The extension's site settings (schema/plugin.json): their parsing, how a
 * widget's own value overrides them, and the live store views read.
 */
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ISignal, Signal } from '@lumino/signaling';

import {
  ICE_TRANSPORT_POLICIES,
  IceTransportPolicy,
  IQuality,
  NO_QUALITY,
  parseQuality,
  parseTransport,
  Transport,
} from './streamer/protocol';

/** The id of the settings plugin (schema/plugin.json). */
export const PLUGIN_ID = 'jupyterlab-webrtc:plugin';

/** Video codecs the kernel can decode and encode. */
export const CODECS = ['VP8'] as const;
export type Codec = (typeof CODECS)[number];

/** Site-wide defaults, as edited in the Settings Editor. */
export interface IWebRtcSettings {
  iceServers: RTCIceServer[];
  /** 'relay': the browser connects only through a TURN server of iceServers. */
  iceTransportPolicy: IceTransportPolicy;
  preferredCodec: Codec;
  showStats: boolean;
  /** Caps on both directions of every stream; a widget's own `quality` fields win over them. */
  quality: IQuality;
  /** How media travels: 'auto' (WebRTC, else the kernel transport), 'webrtc' or 'kernel'. */
  transport: Transport;
}

/**
 * The quality setting's default: no caps, and the camera keeps its
 * resolution under load (the contentHint 'detail' the sender always had).
 */
export const DEFAULT_QUALITY: Readonly<IQuality> = Object.freeze({
  ...NO_QUALITY,
  degradation: 'maintain-resolution',
});

export const DEFAULT_SETTINGS: Readonly<IWebRtcSettings> = Object.freeze({
  iceServers: [],
  iceTransportPolicy: 'all',
  preferredCodec: 'VP8',
  showStats: false,
  quality: DEFAULT_QUALITY,
  transport: 'auto',
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** True for one RTCIceServer: `urls` a non-empty string or list of them. */
export function isIceServer(value: unknown): value is RTCIceServer {
  if (!isObject(value)) {
    return false;
  }
  const { urls, username, credential } = value;
  const urlsOk = Array.isArray(urls) ? urls.length > 0 && urls.every(isNonEmptyString) : isNonEmptyString(urls);
  return (
    urlsOk &&
    (username === undefined || typeof username === 'string') &&
    (credential === undefined || typeof credential === 'string')
  );
}

export function isIceServerList(value: unknown): value is RTCIceServer[] {
  return Array.isArray(value) && value.every(isIceServer);
}

export function isCodec(value: unknown): value is Codec {
  return (CODECS as readonly unknown[]).includes(value);
}

/**
 * Typed settings from the registry's composite value. An invalid entry
 * (which the registry's schema validation should already have refused)
 * falls back to its default rather than breaking the widget.
 */
export function parseSettings(composite: unknown): IWebRtcSettings {
  const raw = isObject(composite) ? composite : {};
  return {
    iceServers: isIceServerList(raw.iceServers)
      ? raw.iceServers.map((s) => ({ ...s }))
      : [...DEFAULT_SETTINGS.iceServers],
    iceTransportPolicy: isIceTransportPolicy(raw.iceTransportPolicy)
      ? raw.iceTransportPolicy
      : DEFAULT_SETTINGS.iceTransportPolicy,
    preferredCodec: isCodec(raw.preferredCodec) ? raw.preferredCodec : DEFAULT_SETTINGS.preferredCodec,
    showStats: typeof raw.showStats === 'boolean' ? raw.showStats : DEFAULT_SETTINGS.showStats,
    quality: parseQualitySetting(raw.quality),
    transport: parseTransport(raw.transport) ?? DEFAULT_SETTINGS.transport,
  };
}

/**
 * The `quality` setting (camelCase, as in the Settings Editor) as the
 * protocol's IQuality; invalid (the schema should have refused it) = the
 * default, with a warning.
 */
function parseQualitySetting(value: unknown): IQuality {
  if (value === undefined || value === null) {
    return { ...DEFAULT_QUALITY };
  }
  const parsed = isObject(value)
    ? parseQuality({
        max_width: value.maxWidth,
        max_height: value.maxHeight,
        max_fps: value.maxFps,
        bitrate_kbps: value.bitrateKbps,
        degradation: value.degradation,
      })
    : { ok: false as const, reason: 'not an object' };
  if (!parsed.ok) {
    console.warn(`jupyterlab-webrtc: ignoring the invalid quality setting (${parsed.reason})`, value);
    return { ...DEFAULT_QUALITY };
  }
  return parsed.quality;
}

/**
 * The caps for a widget: each field of its own `quality` where set, else
 * the site setting's. An invalid widget value counts as unset.
 */
export function resolveQuality(override: unknown, settings: IWebRtcSettings): IQuality {
  let own: IQuality = NO_QUALITY;
  if (override !== null && override !== undefined) {
    const parsed = parseQuality(override);
    if (parsed.ok) {
      own = parsed.quality;
    } else {
      console.warn(`jupyterlab-webrtc: ignoring the widget's invalid quality (${parsed.reason})`, override);
    }
  }
  const site = settings.quality;
  return {
    max_width: own.max_width ?? site.max_width,
    max_height: own.max_height ?? site.max_height,
    max_fps: own.max_fps ?? site.max_fps,
    bitrate_kbps: own.bitrate_kbps ?? site.bitrate_kbps,
    degradation: own.degradation ?? site.degradation,
  };
}

/** ICE servers for a widget: its own list, else the site default. */
export function resolveIceServers(override: unknown, settings: IWebRtcSettings): RTCIceServer[] {
  if (override === null || override === undefined) {
    return settings.iceServers;
  }
  if (isIceServerList(override)) {
    return override;
  }
  console.warn('jupyterlab-webrtc: ignoring invalid ice_servers on the widget; using the site setting', override);
  return settings.iceServers;
}

function isIceTransportPolicy(value: unknown): value is IceTransportPolicy {
  return (ICE_TRANSPORT_POLICIES as readonly unknown[]).includes(value);
}

/** The ICE transport policy for a widget: its own, else the site's. */
export function resolveIceTransportPolicy(override: unknown, settings: IWebRtcSettings): IceTransportPolicy {
  return isIceTransportPolicy(override) ? override : settings.iceTransportPolicy;
}

/** Whether to show the stats overlay: the widget's choice, else the site's. */
export function resolveShowStats(override: unknown, settings: IWebRtcSettings): boolean {
  return typeof override === 'boolean' ? override : settings.showStats;
}

/** How a widget's media travels: its own `transport`, else the site's. */
export function resolveTransport(override: unknown, settings: IWebRtcSettings): Transport {
  return parseTransport(override) ?? settings.transport;
}

/** The codec to put first in the offer: the widget's, else the site's. */
export function resolveCodec(override: unknown, settings: IWebRtcSettings): Codec {
  return isCodec(override) ? override : settings.preferredCodec;
}

/**
 * Holds the current site settings. The plugin fills it from the setting
 * registry; views (created by the widget manager, not by the plugin) read
 * it and connect to `changed`.
 */
export class SettingsStore {
  private _current: IWebRtcSettings = parseSettings({});
  private _changed = new Signal<this, IWebRtcSettings>(this);

  get current(): IWebRtcSettings {
    return this._current;
  }

  /** Emitted with the new settings after every update. */
  get changed(): ISignal<this, IWebRtcSettings> {
    return this._changed;
  }

  update(composite: unknown): void {
    this._current = parseSettings(composite);
    this._changed.emit(this._current);
  }

  /** Follows a loaded ISettingRegistry.ISettings. */
  connect(settings: ISettingRegistry.ISettings): void {
    this.update(settings.composite);
    settings.changed.connect(() => this.update(settings.composite));
  }
}

/** The store the plugin fills and every streamer view reads. */
export const siteSettings = new SettingsStore();
