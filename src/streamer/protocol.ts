/**
 * The streamer widget's protocol, frontend side: every custom message in
 * both directions, the synced state's streamer keys, the limits, and the
 * validation of everything the kernel sends.
 *
 * The kernel defines the same protocol in
 * kernel-bridge/src/streamer/protocol.ts, with the same names and limits;
 * kernel-bridge/test/fixtures/streamer-protocol.json holds examples both
 * sides are tested against. Change all three together (docs/design.md,
 * "Streamer widget protocol").
 */

import { ANNOTATION_LIMITS, IAnnotationsMessage, parseAnnotationsMessage } from './annotations-protocol';
import { CONNECTION_REPORT_LIMITS, IConnectionReport } from './connection-report';
import type { IVideoSize, StreamerLabels } from './display-options';
import { HANDSHAKE_LIMITS, IHelloMessage } from './handshake';

export type { IAnnotationsMessage } from './annotations-protocol';
export type { IHelloMessage } from './handshake';

// ---- Limits (the same names and values in the kernel's protocol.ts) ----

/**
 * Largest SDP (offer or answer), in UTF-8 bytes. Ours carry one video
 * m-line and are 2-6 KB; 64 KiB leaves room for many codecs and candidates.
 */
export const MAX_SDP_BYTES = 64 * 1024;
/**
 * Largest ICE candidate line, in UTF-8 bytes. Real lines are 100-300 bytes
 * (an mDNS host name or IPv6 address plus a few extensions), so 1 KiB is
 * generous; this was 4 KiB here and 1,024 characters in the kernel before
 * the two sides shared one value.
 */
export const MAX_CANDIDATE_BYTES = 1024;
/** Largest `sdpMLineIndex` (m-line indexes are small: ours has one m-line). */
export const MAX_MLINE_INDEX = 1023;
/** Most ICE servers an offer may carry (the kernel rejects more). */
export const MAX_ICE_SERVERS = 16;
/**
 * Longest error message / stop reason, in UTF-16 code units (String.length,
 * the same on both sides); the kernel cuts longer ones before sending.
 */
export const MAX_TEXT_LENGTH = 4 * 1024;

/**
 * Most lines in the streamer's log (the `log` trait): the recent past of a
 * running stream, a screenful in the widget. The kernel keeps only these,
 * and resends them all on each change, so it must stay small.
 */
export const MAX_LOG_LINES = 50;
/**
 * Longest log line, in UTF-16 code units (the kernel cuts longer ones): a
 * line is a message, not a dump; with MAX_LOG_LINES it bounds the log at
 * 25,000 characters.
 */
export const MAX_LOG_LINE_LENGTH = 500;
/**
 * Most file names in the `recording` trait: a recording's input and output,
 * and their later segments.
 */
export const MAX_RECORDING_FILES = 8;
/** Longest recording file name in the `recording` trait, in UTF-16 code units. */
export const MAX_RECORDING_PATH_LENGTH = 1024;

/**
 * Kernel transport: largest encoded video frame in a `media` message, bytes
 * (a 1080p VP8 keyframe at a high bitrate is ~300 KB).
 */
export const MAX_MEDIA_BYTES = 1024 * 1024;
/**
 * Kernel transport: most encoded frames a side sends before the other acknowledged them. Beyond
 * it the sender skips or drops frames (newest first wins: after a drop the next one sent is a
 * keyframe), so no queue grows when the link or the other side is slow. 4 frames (133 ms at
 * 30 fps): a comm round trip through JupyterLab measured 65-140 ms on a loaded 2-core machine,
 * and a window of 2 then held the stream to 7-9 fps.
 */
export const MAX_MEDIA_IN_FLIGHT = 4;
/** Kernel transport: largest Opus packet in an `audio` media message, bytes (one 20 ms Opus frame is at most 1275, RFC 6716). */
export const MAX_AUDIO_MEDIA_BYTES = 1275;
/**
 * Kernel transport: most audio packets a side sends before the other acknowledged them
 * (`audio_ack`, cumulative; 16 x 20 ms = 320 ms). Beyond it new packets are dropped (counted).
 */
export const MAX_AUDIO_IN_FLIGHT = 16;

/** All limits by name: the fixture's `limits` must equal this. */
export const LIMITS = {
  MAX_SDP_BYTES,
  MAX_CANDIDATE_BYTES,
  MAX_MLINE_INDEX,
  MAX_ICE_SERVERS,
  MAX_TEXT_LENGTH,
  MAX_LOG_LINES,
  MAX_LOG_LINE_LENGTH,
  MAX_RECORDING_FILES,
  MAX_RECORDING_PATH_LENGTH,
  MAX_MEDIA_BYTES,
  MAX_MEDIA_IN_FLIGHT,
  MAX_AUDIO_MEDIA_BYTES,
  MAX_AUDIO_IN_FLIGHT,
  // what an `annotations` message may hold (annotations-protocol.ts)
  ...ANNOTATION_LIMITS,
  // what a `connection_report` may hold (connection-report.ts)
  ...CONNECTION_REPORT_LIMITS,
  // the version handshake's (handshake.ts)
  ...HANDSHAKE_LIMITS,
} as const;

// ---- Frontend → kernel ----

export interface IOfferMessage {
  type: 'offer';
  sdp: string;
  /** The ICE servers this side uses (widget override, else the site setting), for the kernel's side. */
  ice_servers: RTCIceServer[];
}
/** Trickle ICE (both directions); null = end of candidates. */
export interface ICandidateMessage {
  type: 'candidate';
  candidate: RTCIceCandidateInit | null;
}
export interface IStopMessage {
  type: 'stop';
}
/** The log area's clear button: the kernel empties `log` (for every view). */
export interface IClearLogMessage {
  type: 'clear_log';
}
/**
 * The session's state on every change (the status line: state word, detail), so the notebook's
 * `status$` carries browser-side failures with their reason and `start()` learns its outcome.
 */
export interface IBrowserStatusMessage {
  type: 'browser_status';
  state: KernelStatus;
  /** "" or why, at most MAX_TEXT_LENGTH (see fitText). */
  detail: string;
}
/**
 * The record button: start recording the stream's input and output under
 * default names, or stop every recording of the stream.
 */
export interface IRecordMessage {
  type: 'record';
  action: 'start' | 'stop';
}
/** The connection doctor's report (connection-report.ts): after a failure, once connected, and on `diagnose`. */
export interface IConnectionReportMessage {
  type: 'connection_report';
  report: IConnectionReport;
}
/**
 * Start a kernel-transport session (kernel-transport.ts) instead of, or after,
 * WebRTC; `reason` says why (at most MAX_TEXT_LENGTH).
 */
export interface IUseKernelTransportMessage {
  type: 'use_kernel_transport';
  reason: string;
}
/**
 * Kernel transport, both directions: exactly one binary buffer, a
 * MEDIA_HEADER_BYTES header (parseMediaHeader), then a video frame's VP8.
 */
export interface IMediaMessage {
  type: 'media';
}
export type FrontendMessage =
  | IHelloMessage
  | IConnectionReportMessage
  | IUseKernelTransportMessage
  | IMediaMessage
  | IOfferMessage
  | ICandidateMessage
  | IStopMessage
  | IClearLogMessage
  | ISiteQualityMessage
  | IBrowserStatusMessage
  | IRecordMessage;

// ---- Kernel → frontend ----

export interface IAnswerMessage {
  type: 'answer';
  sdp: string;
}
export interface IErrorMessage {
  type: 'error';
  message: string;
  /** True when the kernel closed the peer because of it. */
  fatal: boolean;
}
export interface IStoppedMessage {
  type: 'stopped';
  reason: string;
}
/** start() in the notebook: start a session as the Start button does. */
export interface IStartMessage {
  type: 'start';
}
/** selectCamera() in the notebook: as choosing in the camera picker (null = the default camera). */
export interface ISelectCameraMessage {
  type: 'select_camera';
  device_id: string | null;
}
/**
 * Frames per stage of the kernel's pipeline, in pipeline order (docs/design.md, "Frame accounting"):
 * received (assembled from RTP) → decoded (or decode_failed) → dropped_worker / dropped_main
 * (latest-first, before the transform) → delivered to the transform → transformed (or
 * transform_errors, whose frames pass through) → dropped_send (latest-first, before the encoder) →
 * encoded → sent.
 */
export interface IStageCounts {
  received: number;
  decoded: number;
  decode_failed: number;
  dropped_worker: number;
  dropped_main: number;
  delivered: number;
  transformed: number;
  transform_errors: number;
  dropped_send: number;
  encoded: number;
  sent: number;
}
/**
 * Audio frames (20 ms) per stage of the kernel's audio path (docs/design.md, "Audio"): received
 * (Opus packets) → decoded (or decode_failed) → dropped_worker (the main thread busy ~0.3 s) →
 * delivered to transformAudio → transformed (or transform_errors, passed through) → dropped_send
 * → encoded (20 ms Opus frames) → sent.
 */
export interface IAudioStageCounts {
  received: number;
  decoded: number;
  decode_failed: number;
  dropped_worker: number;
  delivered: number;
  transformed: number;
  transform_errors: number;
  dropped_send: number;
  encoded: number;
  sent: number;
}
export interface IStatsMessage {
  type: 'stats';
  /** Summary of the last interval (also in `fps` / `total`). */
  fps_in: number;
  fps_out: number;
  /** Frames dropped anywhere in the kernel since the session started. */
  dropped: number;
  /** Mean per frame over the last interval, ms. */
  decode_ms: number;
  encode_ms: number;
  transform_ms: number;
  /** Frames per second per stage over the last interval (about a second). */
  fps: IStageCounts;
  /** Frames per stage since the session started. */
  total: IStageCounts;
  /** RTP payload bitrate from / to the browser over the last interval, kbit/s. */
  kbps_in: number;
  kbps_out: number;
  /** Round-trip time to the browser (RTCP), ms; null until measured. */
  rtt_ms: number | null;
  /** Fraction (0-1) of the kernel's packets the browser reported lost (last RTCP report). */
  loss_out: number;
  /** Packets from the browser the kernel never received, since the session started. */
  lost_in: number;
  /** Audio frames per stage, per second and since the session started; optional. */
  audio?: { fps: IAudioStageCounts; total: IAudioStageCounts };
  /**
   * How the session's media travels (`STATS_TRANSPORTS`); missing from older kernels. Over `kernel`
   * the link figures are the comm's: `kbps_*` the `media` buffers' bytes, `rtt_ms` the kernel's
   * mean ack round trip, `loss_out` / `lost_in` 0 (see docs/design.md, "Kernel transport").
   */
  transport?: StatsTransport;
  /** Kernel transport only: the kernel's frames dropped for lack of our credit or too large, since the session started. */
  link_dropped?: number;
}
/** The `transport` of a stats message: the carrier actually used (never `auto`). */
export const STATS_TRANSPORTS = ['webrtc', 'kernel'] as const;
export type StatsTransport = (typeof STATS_TRANSPORTS)[number];
/** The kernel asks for the connection doctor's report (ctx.diagnose()). */
export interface IDiagnoseMessage {
  type: 'diagnose';
}
/** The kernel is ready for the kernel-transport session asked for: media may flow. */
export interface IKernelTransportReadyMessage {
  type: 'kernel_transport_ready';
}
export type KernelMessage =
  | IDiagnoseMessage
  | IKernelTransportReadyMessage
  | IMediaMessage
  | IAnnotationsMessage
  | IAnswerMessage
  | ICandidateMessage
  | IErrorMessage
  | IStoppedMessage
  | IStatsMessage
  | IStartMessage
  | ISelectCameraMessage;

/** Every name of `K`, checked by the compiler: a missing or extra name does not compile. */
function namesOf<K extends string>(names: Record<K, true>): K[] {
  return Object.keys(names) as K[];
}

/** The `type`s of FrontendMessage, at run time. */
export const FRONTEND_MESSAGE_TYPES = namesOf<FrontendMessage['type']>({
  hello: true,
  use_kernel_transport: true,
  media: true,
  offer: true,
  candidate: true,
  stop: true,
  clear_log: true,
  site_quality: true,
  browser_status: true,
  record: true,
  connection_report: true,
});
/** The `type`s of KernelMessage, at run time. */
export const KERNEL_MESSAGE_TYPES = namesOf<KernelMessage['type']>({
  kernel_transport_ready: true,
  media: true,
  annotations: true,
  answer: true,
  candidate: true,
  error: true,
  stopped: true,
  stats: true,
  start: true,
  select_camera: true,
  diagnose: true,
});
/** The plain numeric fields of IStatsMessage (all finite and non-negative). */
export const STATS_FIELDS = namesOf<
  Exclude<
    keyof IStatsMessage,
    'type' | 'fps' | 'total' | 'rtt_ms' | 'loss_out' | 'audio' | 'transport' | 'link_dropped'
  >
>({
  fps_in: true,
  fps_out: true,
  dropped: true,
  decode_ms: true,
  encode_ms: true,
  transform_ms: true,
  kbps_in: true,
  kbps_out: true,
  lost_in: true,
});
/** The stages of IStageCounts in pipeline order (all finite and non-negative). */
export const STATS_STAGES = namesOf<keyof IStageCounts>({
  received: true,
  decoded: true,
  decode_failed: true,
  dropped_worker: true,
  dropped_main: true,
  delivered: true,
  transformed: true,
  transform_errors: true,
  dropped_send: true,
  encoded: true,
  sent: true,
});
/** The stages of IAudioStageCounts in order (all finite and non-negative). */
export const AUDIO_STATS_STAGES = namesOf<keyof IAudioStageCounts>({
  received: true,
  decoded: true,
  decode_failed: true,
  dropped_worker: true,
  delivered: true,
  transformed: true,
  transform_errors: true,
  dropped_send: true,
  encoded: true,
  sent: true,
});

// ---- Synced state (the streamer's own keys, written by the kernel) ----

export const KERNEL_STATUSES = ['idle', 'connecting', 'playing', 'stopped', 'error'] as const;
/** The kernel's view of the peer. */
export type KernelStatus = (typeof KERNEL_STATUSES)[number];

/**
 * Which way video goes, as our transceiver's direction: `sendrecv` camera
 * to kernel and back, `sendonly` camera to kernel only (no output pane),
 * `recvonly` kernel to browser only (no camera at all). The first is the
 * default.
 */
export const STREAM_MODES = ['sendrecv', 'sendonly', 'recvonly'] as const;
export type StreamMode = (typeof STREAM_MODES)[number];

/** RTCPeerConnection's iceTransportPolicy values: every candidate, or only TURN relays. */
export const ICE_TRANSPORT_POLICIES = ['all', 'relay'] as const;
export type IceTransportPolicy = (typeof ICE_TRANSPORT_POLICIES)[number];
/**
 * How media travels: `webrtc` (UDP, ICE), `kernel` (encoded frames over the
 * widget's comm), `auto` (WebRTC, then the kernel transport when ICE has not
 * connected in time or failed). The first is the default.
 */
export const TRANSPORTS = ['auto', 'webrtc', 'kernel'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface IStreamerSyncedState {
  /** Names the stream; a re-run cell with the same key reuses the widget. */
  key: string;
  /** Per-widget override; null = the site setting. */
  ice_servers: RTCIceServer[] | null;
  codec: 'VP8';
  /** Per-widget override of the stats overlay setting. */
  show_stats: boolean | null;
  /** getUserMedia constraints, e.g. `{video: {width: 640, height: 480}}`. */
  media_constraints: MediaStreamConstraints | null;
  /** The last transform error, "" while the transform runs cleanly. */
  transform_error: string;
  kernel_status: KernelStatus;
  /**
   * The streamer's log, oldest first: transform errors and what the
   * transform code prints (output after the cell finished, which JupyterLab
   * drops under the cell, shows here).
   */
  log: string[];
  /** Per-widget encoder and quality controls; null (or a null field) = the site setting. */
  quality: IQuality | null;
  /** The microphone too: getUserMedia audio, an Opus transceiver, the output's audio played (default false). */
  audio: boolean;
  /** Which way video goes (STREAM_MODES). */
  mode: StreamMode;
  /** Whether the stream is being recorded, and its files (see IRecordingState). */
  recording: IRecordingState;
  /** Per-widget override of the ICE transport policy; null = the site setting. */
  ice_transport_policy: IceTransportPolicy | null;
  /** How media travels (TRANSPORTS); null = the site setting. */
  transport: Transport | null;
  /** The widget's own texts over the translated defaults (display-options.ts LABEL_KEYS); {} = none. */
  labels: StreamerLabels;
  /** The local preview flipped horizontally (CSS only: the frames sent are not). */
  mirror: boolean;
  /** The input pane (local preview) shown; false hides it while the camera is still sent. */
  show_input: boolean;
  /** The videos' displayed size as CSS lengths; null = the frames' own size. */
  size: IVideoSize | null;
  /** The streamer protocol the kernel speaks (handshake.ts; a kernel without it predates the handshake). */
  protocol_version: number;
  /** The kernel package's version, for the mismatch text. */
  kernel_version: string;
}
/**
 * The `recording` trait: `files` are the files being written while
 * `active`, else the last recording's; paths relative to the notebook's
 * folder (absolute when outside it).
 */
export interface IRecordingState {
  active: boolean;
  files: string[];
}
export const STREAMER_STATE_KEYS = namesOf<keyof IStreamerSyncedState>({
  key: true,
  ice_servers: true,
  codec: true,
  show_stats: true,
  media_constraints: true,
  transform_error: true,
  kernel_status: true,
  log: true,
  quality: true,
  mode: true,
  recording: true,
  audio: true,
  ice_transport_policy: true,
  transport: true,
  labels: true,
  mirror: true,
  show_input: true,
  size: true,
  protocol_version: true,
  kernel_version: true,
});

// ---- Validation of what the kernel sends ----

/** Outcome of validating one message: the typed message, or why not. */
export type ParseResult = { ok: true; message: KernelMessage } | { ok: false; reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The UTF-8 size of a string, in bytes. */
/** `text` cut to MAX_TEXT_LENGTH UTF-16 units (what the kernel accepts), without splitting a surrogate pair. */
export function fitText(text: string): string {
  if (text.length <= MAX_TEXT_LENGTH) {
    return text;
  }
  let end = MAX_TEXT_LENGTH - 1;
  if (/[\ud800-\udbff]/.test(text[end - 1])) {
    end--;
  }
  return `${text.slice(0, end)}…`;
}

export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      bytes += 1;
    } else if (code < 0x800) {
      bytes += 2;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4; // a surrogate pair: one code point
        i++;
      } else {
        bytes += 3;
      }
    } else {
      bytes += 3;
    }
  }
  return bytes;
}

function optional<T>(value: unknown, check: (v: unknown) => v is T): value is T | null | undefined {
  return value === undefined || value === null || check(value);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isIndex = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_MLINE_INDEX;

/** Validates an RTCIceCandidateInit (or null = end of candidates). */
export function parseCandidate(
  value: unknown,
): { ok: true; candidate: RTCIceCandidateInit | null } | { ok: false; reason: string } {
  if (value === null) {
    return { ok: true, candidate: null };
  }
  if (!isObject(value)) {
    return { ok: false, reason: 'candidate must be an object or null' };
  }
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = value;
  if (typeof candidate !== 'string') {
    return { ok: false, reason: 'candidate.candidate must be a string' };
  }
  if (utf8Length(candidate) > MAX_CANDIDATE_BYTES) {
    return {
      ok: false,
      reason: `candidate.candidate is larger than ${MAX_CANDIDATE_BYTES} bytes`,
    };
  }
  if (!optional(sdpMid, isString)) {
    return { ok: false, reason: 'candidate.sdpMid must be a string or null' };
  }
  if (!optional(sdpMLineIndex, isIndex)) {
    return {
      ok: false,
      reason: `candidate.sdpMLineIndex must be an integer from 0 to ${MAX_MLINE_INDEX}, or null`,
    };
  }
  if (!optional(usernameFragment, isString)) {
    return {
      ok: false,
      reason: 'candidate.usernameFragment must be a string or null',
    };
  }
  if (sdpMid == null && sdpMLineIndex == null && candidate !== '') {
    return { ok: false, reason: 'candidate needs sdpMid or sdpMLineIndex' };
  }
  const init: RTCIceCandidateInit = { candidate };
  if (sdpMid != null) {
    init.sdpMid = sdpMid;
  }
  if (sdpMLineIndex != null) {
    init.sdpMLineIndex = sdpMLineIndex;
  }
  if (usernameFragment != null) {
    init.usernameFragment = usernameFragment;
  }
  return { ok: true, candidate: init };
}

function text(data: Record<string, unknown>, key: string): { ok: true; value: string } | { ok: false; reason: string } {
  const value = data[key];
  if (typeof value !== 'string') {
    return { ok: false, reason: `${key} must be a string` };
  }
  if (value.length > MAX_TEXT_LENGTH) {
    return { ok: false, reason: `${key} is too long` };
  }
  return { ok: true, value };
}

/**
 * Validates one custom message from the kernel (shape, types and sizes).
 * Unknown fields are dropped; the result holds only what the protocol
 * defines.
 */
export function parseKernelMessage(data: unknown): ParseResult {
  if (!isObject(data)) {
    return { ok: false, reason: 'message must be an object' };
  }
  switch (data.type) {
    case 'answer': {
      const { sdp } = data;
      if (typeof sdp !== 'string') {
        return { ok: false, reason: 'answer.sdp must be an SDP string' };
      }
      if (utf8Length(sdp) > MAX_SDP_BYTES) {
        return { ok: false, reason: `answer.sdp is larger than ${MAX_SDP_BYTES} bytes` };
      }
      if (!sdp.startsWith('v=0')) {
        return { ok: false, reason: 'answer.sdp must start with "v=0"' };
      }
      return { ok: true, message: { type: 'answer', sdp } };
    }
    case 'candidate': {
      if (!('candidate' in data)) {
        return { ok: false, reason: 'candidate message without candidate' };
      }
      const parsed = parseCandidate(data.candidate);
      if (!parsed.ok) {
        return parsed;
      }
      return {
        ok: true,
        message: { type: 'candidate', candidate: parsed.candidate },
      };
    }
    case 'error': {
      const message = text(data, 'message');
      if (!message.ok) {
        return message;
      }
      if (typeof data.fatal !== 'boolean') {
        return { ok: false, reason: 'error.fatal must be a boolean' };
      }
      return {
        ok: true,
        message: { type: 'error', message: message.value, fatal: data.fatal },
      };
    }
    case 'stopped': {
      const reason = text(data, 'reason');
      if (!reason.ok) {
        return reason;
      }
      return { ok: true, message: { type: 'stopped', reason: reason.value } };
    }
    case 'stats':
      return parseStats(data);
    case 'start':
      return { ok: true, message: { type: 'start' } };
    case 'diagnose':
      return { ok: true, message: { type: 'diagnose' } };
    case 'kernel_transport_ready':
      return { ok: true, message: { type: 'kernel_transport_ready' } };
    case 'media':
      return { ok: true, message: { type: 'media' } };
    case 'annotations':
      return parseAnnotationsMessage(data);
    case 'select_camera': {
      const id = data.device_id;
      if (id !== null && (typeof id !== 'string' || id.length > MAX_TEXT_LENGTH)) {
        return { ok: false, reason: `select_camera.device_id must be null or a string of at most ${MAX_TEXT_LENGTH}` };
      }
      return { ok: true, message: { type: 'select_camera', device_id: id } };
    }
    default:
      return {
        ok: false,
        reason: `unknown message type ${JSON.stringify(data.type)}`,
      };
  }
}

const isFigure = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** The per-stage counts of a stats message, or why not. */
function parseStages(value: unknown, name: string): IStageCounts | string {
  return parseCounts(value, name, STATS_STAGES);
}

/** Counts of the given stages (only those kept), or why not. */
function parseCounts<K extends string>(value: unknown, name: string, stages: K[]): Record<K, number> | string {
  if (!isObject(value)) {
    return `stats.${name} must be an object of stage counts`;
  }
  const counts: Partial<Record<K, number>> = {};
  for (const stage of stages) {
    const figure = value[stage];
    if (!isFigure(figure)) {
      return `stats.${name}.${stage} must be a finite non-negative number`;
    }
    counts[stage] = figure;
  }
  return counts as Record<K, number>;
}

/** The optional `audio` of a stats message: undefined when absent, or why it is malformed. */
function parseAudioStats(value: unknown): IStatsMessage['audio'] | string {
  if (value === undefined) {
    return undefined;
  }
  if (!isObject(value)) {
    return 'stats.audio must be an object {fps, total}';
  }
  const fps = parseCounts(value.fps, 'audio.fps', AUDIO_STATS_STAGES);
  if (typeof fps === 'string') {
    return fps;
  }
  const total = parseCounts(value.total, 'audio.total', AUDIO_STATS_STAGES);
  if (typeof total === 'string') {
    return total;
  }
  return { fps, total };
}

function parseStats(data: Record<string, unknown>): ParseResult {
  const stats: Partial<IStatsMessage> = { type: 'stats' };
  for (const field of STATS_FIELDS) {
    const value = data[field];
    if (!isFigure(value)) {
      return { ok: false, reason: `stats.${field} must be a finite non-negative number` };
    }
    stats[field] = value;
  }
  for (const name of ['fps', 'total'] as const) {
    const counts = parseStages(data[name], name);
    if (typeof counts === 'string') {
      return { ok: false, reason: counts };
    }
    stats[name] = counts;
  }
  if (data.rtt_ms !== null && !isFigure(data.rtt_ms)) {
    return { ok: false, reason: 'stats.rtt_ms must be a finite non-negative number or null' };
  }
  if (!isFigure(data.loss_out) || data.loss_out > 1) {
    return { ok: false, reason: 'stats.loss_out must be a fraction from 0 to 1' };
  }
  stats.rtt_ms = data.rtt_ms;
  stats.loss_out = data.loss_out;
  const audio = parseAudioStats(data.audio);
  if (typeof audio === 'string') {
    return { ok: false, reason: audio };
  }
  if (audio) {
    stats.audio = audio;
  }
  if (data.transport !== undefined) {
    if (!(STATS_TRANSPORTS as readonly unknown[]).includes(data.transport)) {
      return { ok: false, reason: `stats.transport must be one of ${STATS_TRANSPORTS.join(', ')}` };
    }
    stats.transport = data.transport as StatsTransport;
  }
  if (data.link_dropped !== undefined) {
    if (!isFigure(data.link_dropped)) {
      return { ok: false, reason: 'stats.link_dropped must be a finite non-negative number' };
    }
    stats.link_dropped = data.link_dropped;
  }
  return { ok: true, message: stats as IStatsMessage };
}

/**
 * The `log` trait as the view shows it: strings only, the last
 * MAX_LOG_LINES, each cut to MAX_LOG_LINE_LENGTH. Lenient (a log is shown,
 * never rejected), but bounded whatever the kernel sent.
 */
export function parseLog(value: unknown): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value
    .filter(isString)
    .slice(-MAX_LOG_LINES)
    .map((line) => (line.length > MAX_LOG_LINE_LENGTH ? `${line.slice(0, MAX_LOG_LINE_LENGTH - 1)}…` : line));
}

/**
 * The `mode` trait as the kernel set it; anything else (a kernel of
 * another version) is null, which the model refuses to start with.
 */
export function parseMode(value: unknown): StreamMode | null {
  return (STREAM_MODES as readonly unknown[]).includes(value) ? (value as StreamMode) : null;
}

/** The `transport` trait as the kernel set it; null for unset or a value this frontend does not know. */
export function parseTransport(value: unknown): Transport | null {
  return (TRANSPORTS as readonly unknown[]).includes(value) ? (value as Transport) : null;
}

/**
 * The `recording` trait as the view shows it: lenient like the log (a
 * malformed value reads as not recording), bounded by MAX_RECORDING_FILES
 * names of at most MAX_RECORDING_PATH_LENGTH.
 */
export function parseRecording(value: unknown): IRecordingState {
  if (!isObject(value)) {
    return { active: false, files: [] };
  }
  const files = Array.isArray(value.files) ? value.files.filter(isString) : [];
  return {
    active: value.active === true,
    files: files.slice(0, MAX_RECORDING_FILES).map((f) => f.slice(0, MAX_RECORDING_PATH_LENGTH)),
  };
}

/** Turns an RTCIceCandidate (or null) into the JSON the kernel expects. */
export function candidateToJSON(candidate: RTCIceCandidate | RTCIceCandidateInit | null): RTCIceCandidateInit | null {
  if (candidate === null) {
    return null;
  }
  const json =
    typeof (candidate as RTCIceCandidate).toJSON === 'function' ? (candidate as RTCIceCandidate).toJSON() : candidate;
  const init: RTCIceCandidateInit = { candidate: json.candidate ?? '' };
  if (json.sdpMid != null) {
    init.sdpMid = json.sdpMid;
  }
  if (json.sdpMLineIndex != null) {
    init.sdpMLineIndex = json.sdpMLineIndex;
  }
  if (json.usernameFragment != null) {
    init.usernameFragment = json.usernameFragment;
  }
  return init;
}

// ---- Quality: encoder and quality controls (the `quality` trait, the `site_quality` message) ----

/** What a sender gives up first under load, as WebRTC's RTCDegradationPreference names it. */
export const DEGRADATIONS = ['maintain-framerate', 'maintain-resolution', 'balanced'] as const;
export type Degradation = (typeof DEGRADATIONS)[number];

/**
 * Bounds of the `quality` fields (the same names and values in the
 * kernel's protocol.ts). Sides: 16 px is the smallest picture worth
 * encoding, 7680 the width of 8K. Frame rate: 1-120 fps, what cameras
 * deliver. Bitrate: below 50 kbit/s VP8 shows blocks only; 50 Mbit/s is
 * well above 4K.
 */
export const QUALITY_LIMITS = {
  MIN_QUALITY_SIDE: 16,
  MAX_QUALITY_SIDE: 7680,
  MIN_QUALITY_FPS: 1,
  MAX_QUALITY_FPS: 120,
  MIN_BITRATE_KBPS: 50,
  MAX_BITRATE_KBPS: 50_000,
} as const;

/**
 * Caps on a stream, applied by both senders (this page's camera track, the
 * kernel's encoder) without renegotiating. A null field sets no cap of its
 * own: the widget's null fields follow the site setting, whose null fields
 * mean no cap. `degradation` steers this page's encoder only.
 */
export interface IQuality {
  /** Widest picture sent, px (scaled down keeping the aspect ratio). */
  max_width: number | null;
  /** Tallest picture sent, px. */
  max_height: number | null;
  /** Most frames per second sent. */
  max_fps: number | null;
  /** Target bitrate, kbit/s. */
  bitrate_kbps: number | null;
  /** What to give up when the encoder cannot keep both. */
  degradation: Degradation | null;
}
export const QUALITY_FIELDS = namesOf<keyof IQuality>({
  max_width: true,
  max_height: true,
  max_fps: true,
  bitrate_kbps: true,
  degradation: true,
});

/** No caps at all. */
export const NO_QUALITY: Readonly<IQuality> = Object.freeze({
  max_width: null,
  max_height: null,
  max_fps: null,
  bitrate_kbps: null,
  degradation: null,
});

/** The site setting's quality, which the widget's `quality` overrides field by field (sent at Start and on each change). */
export interface ISiteQualityMessage {
  type: 'site_quality';
  quality: IQuality;
}

/** Each numeric field's bounds and whether it must be an integer. */
const QUALITY_RANGES: Record<Exclude<keyof IQuality, 'degradation'>, [number, number, boolean]> = {
  max_width: [QUALITY_LIMITS.MIN_QUALITY_SIDE, QUALITY_LIMITS.MAX_QUALITY_SIDE, true],
  max_height: [QUALITY_LIMITS.MIN_QUALITY_SIDE, QUALITY_LIMITS.MAX_QUALITY_SIDE, true],
  max_fps: [QUALITY_LIMITS.MIN_QUALITY_FPS, QUALITY_LIMITS.MAX_QUALITY_FPS, false],
  bitrate_kbps: [QUALITY_LIMITS.MIN_BITRATE_KBPS, QUALITY_LIMITS.MAX_BITRATE_KBPS, true],
};

/**
 * Validates a `quality` object: only its fields (an unknown one is
 * refused), a missing field = null, each within QUALITY_LIMITS.
 */
export function parseQuality(value: unknown): { ok: true; quality: IQuality } | { ok: false; reason: string } {
  if (!isObject(value)) {
    return { ok: false, reason: 'quality must be an object of caps' };
  }
  const unknown = Object.keys(value).find((key) => !(QUALITY_FIELDS as string[]).includes(key));
  if (unknown !== undefined) {
    return { ok: false, reason: `quality has no field ${JSON.stringify(unknown)}` };
  }
  const quality: IQuality = { ...NO_QUALITY };
  for (const [field, [min, max, integer]] of Object.entries(QUALITY_RANGES) as [
    keyof typeof QUALITY_RANGES,
    [number, number, boolean],
  ][]) {
    const v = value[field];
    if (v === undefined || v === null) {
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      return {
        ok: false,
        reason: `quality.${field} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, or null`,
      };
    }
    quality[field] = v;
  }
  const degradation = value.degradation;
  if (degradation !== undefined && degradation !== null) {
    if (!(DEGRADATIONS as readonly unknown[]).includes(degradation)) {
      return { ok: false, reason: `quality.degradation must be one of ${DEGRADATIONS.join(', ')}, or null` };
    }
    quality.degradation = degradation as Degradation;
  }
  return { ok: true, quality };
}

// ---- Kernel transport: the binary header of a `media` message's buffer ----

/**
 * Header of a `media` buffer (version 2), little-endian: u8 version (MEDIA_VERSION), u8 kind
 * (MEDIA_KINDS), u8 flags (bit 0: keyframe; bit 1: carries an ack; video only), u8 0, u32 sequence
 * number, f64 capture time in ms (video and audio only, else 0), u32 ack (with flag bit 1: the
 * newest of the receiver's video frames the sender has taken, acknowledging it and every older one
 * in flight, so a side that sends video needs no separate `ack` message; else 0). A video frame's
 * VP8 follows (1 to MAX_MEDIA_BYTES bytes), an audio packet's Opus (one 20 ms frame, 48 kHz, 1 to
 * MAX_AUDIO_MEDIA_BYTES bytes); an ack (of the video frame with that sequence number and every older
 * one in flight), a keyframe request, a keepalive and an audio_ack (of every audio packet up to that
 * sequence number) carry nothing after it.
 */
export const MEDIA_HEADER_BYTES = 20;
export const MEDIA_VERSION = 2;
export const MEDIA_KINDS = { video: 1, ack: 2, keyframe_request: 3, keepalive: 4, audio: 5, audio_ack: 6 } as const;
export type MediaKind = keyof typeof MEDIA_KINDS;
/**
 * The browser sends a `keepalive` when it sent nothing else for this long (ms): in recvonly it
 * otherwise only acks, and a paused source would look to the kernel like a browser gone away.
 */
export const MEDIA_KEEPALIVE_MS = 1000;
/** The receiver of audio packets answers every this many with an `audio_ack` of the newest. */
export const AUDIO_ACK_EVERY = 4;

export interface IMediaHeader {
  kind: MediaKind;
  key: boolean;
  seq: number;
  timestamp: number;
  /** Bytes after the header (the VP8 frame of a video message, the Opus packet of an audio one). */
  payloadBytes: number;
  /**
   * A video message's piggybacked ack (flag bit 1): the sender's newest decoded frame from the receiver,
   * acknowledging it and every older frame in flight (as an `ack` message would); null when none.
   */
  ack: number | null;
}

const KIND_OF = new Map<number, MediaKind>(Object.entries(MEDIA_KINDS).map(([k, v]) => [v, k as MediaKind]));

/** The payload size range of the kinds that carry one, and what it is. */
const PAYLOAD_OF: Partial<Record<MediaKind, [number, string]>> = {
  video: [MAX_MEDIA_BYTES, 'a video media message carries 1 to %d bytes of VP8'],
  audio: [MAX_AUDIO_MEDIA_BYTES, 'an audio media message carries 1 to %d bytes of Opus'],
};

/** A `media` buffer's header, or why it is not valid. */
export function parseMediaHeader(
  bytes: Uint8Array,
): { ok: true; header: IMediaHeader } | { ok: false; reason: string } {
  if (bytes.byteLength < MEDIA_HEADER_BYTES) {
    return { ok: false, reason: `a media buffer needs ${MEDIA_HEADER_BYTES} header bytes` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, MEDIA_HEADER_BYTES);
  if (view.getUint8(0) !== MEDIA_VERSION) {
    return { ok: false, reason: `media version ${view.getUint8(0)} is not ${MEDIA_VERSION}` };
  }
  const kind = KIND_OF.get(view.getUint8(1));
  if (!kind) {
    return { ok: false, reason: `unknown media kind ${view.getUint8(1)}` };
  }
  const flags = view.getUint8(2);
  if ((flags & ~3) !== 0 || (flags !== 0 && kind !== 'video') || view.getUint8(3) !== 0) {
    return { ok: false, reason: 'media flags: only bit 0 (keyframe) and bit 1 (ack), and only on video' };
  }
  const timestamp = view.getFloat64(8, true);
  const payloadBytes = bytes.byteLength - MEDIA_HEADER_BYTES;
  const payload = PAYLOAD_OF[kind];
  if (payload) {
    if (!Number.isFinite(timestamp) || timestamp < 0) {
      return { ok: false, reason: 'media timestamp must be finite and >= 0' };
    }
    if (payloadBytes < 1 || payloadBytes > payload[0]) {
      return { ok: false, reason: payload[1].replace('%d', String(payload[0])) };
    }
  } else if (payloadBytes !== 0 || timestamp !== 0) {
    return { ok: false, reason: `a media ${kind} carries nothing but its header` };
  }
  const hasAck = (flags & 2) === 2;
  const ack = view.getUint32(16, true);
  if (!hasAck && ack !== 0) {
    return { ok: false, reason: 'a media ack field is 0 unless flag bit 1 says it carries one' };
  }
  return {
    ok: true,
    header: {
      kind,
      key: (flags & 1) === 1,
      seq: view.getUint32(4, true),
      timestamp,
      payloadBytes,
      ack: hasAck ? ack : null,
    },
  };
}

/** Writes a `media` header into the first MEDIA_HEADER_BYTES of `into` (the payload, if any, follows). */
export function writeMediaHeader(
  into: Uint8Array,
  kind: MediaKind,
  seq: number,
  key = false,
  timestamp = 0,
  ack: number | null = null,
): void {
  const view = new DataView(into.buffer, into.byteOffset, MEDIA_HEADER_BYTES);
  const withAck = kind === 'video' && ack !== null;
  view.setUint8(0, MEDIA_VERSION);
  view.setUint8(1, MEDIA_KINDS[kind]);
  view.setUint8(2, (key ? 1 : 0) | (withAck ? 2 : 0));
  view.setUint8(3, 0);
  view.setUint32(4, seq >>> 0, true);
  view.setFloat64(8, PAYLOAD_OF[kind] ? timestamp : 0, true);
  view.setUint32(16, withAck ? ack >>> 0 : 0, true);
}
