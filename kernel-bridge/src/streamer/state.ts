/**
 * The streamer widget's synced state as traits (validation, defaults, read-only keys). Its keys and
 * values are defined in protocol.ts (docs/design.md, "Streamer widget protocol").
 */
import { JSONObject } from '../kernel/api';
import type { IceServerLike } from '../rtc';
import { domTraits, DomState } from '../widgets/controls/dom';
import { modelTraits, ModelState } from '../widgets/controls/model';
import { anyValue, bool, constant, int, nullable, oneOf, str, strings, TraitError, Traits } from '../widgets/traits';
import {
  IQuality,
  IRecordingState,
  IStreamerSyncedState,
  ICE_TRANSPORT_POLICIES,
  KERNEL_STATUSES,
  parseQuality,
  STREAM_MODES,
  TRANSPORTS,
} from './protocol';
import { IVideoSize, StreamerLabels, Parsed, parseFlag, parseLabels, parseVideoSize } from './display-options';
import { STREAMER_PROTOCOL_VERSION } from './handshake';

const MODULE_NAME = 'jupyterlab-webrtc';
/**
 * Matched as a semver range against the version the labextension registers: any, so that an
 * extension of another version still loads the model and its view shows what to upgrade (the
 * version handshake, handshake.ts) instead of the widget manager's bare "not registered" error.
 */
const MODULE_VERSION = '*';
// This package's package.json, read at run time (outside rootDir, so not an import).
const { version: KERNEL_VERSION } = require('../../package.json') as { version: string };

export interface StreamerState extends ModelState, DomState, IStreamerSyncedState {}

const iceServers = anyValue<IceServerLike[] | null>(null, {
  validate(value) {
    if (value === null) return null;
    const ok =
      Array.isArray(value) &&
      value.every((server) => {
        const urls = (server as IceServerLike)?.urls;
        return typeof urls === 'string' || (Array.isArray(urls) && urls.every((url) => typeof url === 'string'));
      });
    if (!ok) throw new TraitError('expected a list of RTCIceServer objects ({urls, username?, credential?}) or null');
    return value as IceServerLike[];
  },
});

const constraints = anyValue<JSONObject | null>(null, {
  validate(value) {
    if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      throw new TraitError('expected getUserMedia constraints ({video: ...}) or null');
    }
    return value as JSONObject | null;
  },
});

/** The widget's quality controls (protocol.ts IQuality), from the notebook or the browser: checked alike. */
const quality = anyValue<IQuality | null>(null, {
  validate(value) {
    if (value === null) return null;
    try {
      return parseQuality(value as JSONObject);
    } catch (error) {
      throw new TraitError((error as Error).message);
    }
  },
});

/** A display option (display-options.ts) as a trait: checked by its parser, the reason as the TraitError. */
function displayTrait<T>(def: T, parse: (value: unknown) => Parsed<T>) {
  return anyValue<T>(def, {
    validate(value) {
      const parsed = parse(value);
      if (!parsed.ok) throw new TraitError(parsed.reason);
      return parsed.value;
    },
    // Set by the notebook only (webrtcStreamer's labels, mirror, showInput, size).
    readOnly: true,
  });
}

/** Set by the kernel only (recording.ts keeps it within the protocol's limits). */
const recording = anyValue<IRecordingState>({ active: false, files: [] });

export const streamerTraits = (): Traits<StreamerState> => ({
  ...modelTraits(
    [MODULE_NAME, MODULE_VERSION, 'WebRtcStreamerModel'],
    [MODULE_NAME, MODULE_VERSION, 'WebRtcStreamerView'],
  ),
  ...domTraits(),
  key: { ...str(''), readOnly: true },
  ice_servers: iceServers,
  ice_transport_policy: nullable(oneOf(ICE_TRANSPORT_POLICIES, 'all')),
  codec: oneOf(['VP8'] as const, 'VP8'),
  show_stats: nullable(bool(false)),
  media_constraints: constraints,
  transform_error: { ...str(''), readOnly: true },
  kernel_status: { ...oneOf(KERNEL_STATUSES, 'idle'), readOnly: true },
  log: { ...strings([]), readOnly: true },
  quality,
  // Set by the notebook (webrtcStreamer's `mode`), never by the browser: it decides what the kernel accepts.
  mode: { ...oneOf(STREAM_MODES, 'sendrecv'), readOnly: true },
  recording: { ...recording, readOnly: true },
  // Set by the notebook only: it decides what the kernel subscribes, sends and records.
  audio: { ...bool(false), readOnly: true },
  // Set by the notebook only (webrtcStreamer's `transport`); null = the browser's site setting.
  transport: { ...nullable(oneOf(TRANSPORTS, 'auto')), readOnly: true },
  labels: displayTrait<StreamerLabels>({}, parseLabels),
  mirror: displayTrait(false, (value) => parseFlag(value, 'mirror', false)),
  show_input: displayTrait(true, (value) => parseFlag(value, 'show_input', true)),
  size: displayTrait<IVideoSize | null>(null, parseVideoSize),
  // The version handshake (handshake.ts): what this kernel speaks, for the browser to compare.
  protocol_version: { ...int(STREAMER_PROTOCOL_VERSION), readOnly: true },
  kernel_version: constant(KERNEL_VERSION),
});
