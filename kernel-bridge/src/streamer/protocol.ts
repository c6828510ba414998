/**
 * The streamer widget's protocol, kernel side: every custom message in both directions, the synced
 * state's streamer keys, the limits, and the validation of what the browser sends (before anything
 * acts on it). Signalling messages are rare JSON; media never travels here.
 *
 * The frontend defines the same protocol in src/streamer/protocol.ts, with the same names (the
 * message interfaces keep the frontend's `I` prefix so that one grep finds both sides) and the same
 * limits; test/fixtures/streamer-protocol.json holds examples both sides are tested against. Change
 * all three together (docs/design.md, "Streamer widget protocol").
 */
import type { JSONObject, JSONValue } from '../kernel/api';
import { countMLines, MAX_OFFER_MLINES } from '../rtc/protocol';
import type { CandidateInit, IceServerLike } from '../rtc';
import type { Annotation } from '../annotations/types';
import { ANNOTATION_LIMITS } from '../annotations/validate';
import { CONNECTION_REPORT_LIMITS, ConnectionReport, parseConnectionReport } from './connection-report';
import type { IVideoSize, StreamerLabels } from './display-options';
import {
  HANDSHAKE_LIMITS,
  IHelloMessage,
  MAX_VERSION_LENGTH,
  parsePackageVersion,
  parseProtocolVersion,
} from './handshake';

// ---- Limits (the same names and values in src/streamer/protocol.ts) ----

/**
 * Largest SDP (offer or answer), in UTF-8 bytes. Ours carry one video m-line and are 2-6 KB;
 * 64 KiB leaves room for many codecs and candidates while bounding what we parse and hand to the
 * peer.
 */
export const MAX_SDP_BYTES = 64 * 1024;
/**
 * Largest ICE candidate line, in UTF-8 bytes. Real lines are 100-300 bytes (an mDNS host name or
 * IPv6 address plus a few extensions), so 1 KiB is still several times the longest; this was
 * 1,024 characters here and 4 KiB in the browser before the two sides shared one value.
 */
const MAX_CANDIDATE_BYTES = 1024;
/** Largest `sdpMLineIndex` (m-line indexes are small: ours has one m-line). */
const MAX_MLINE_INDEX = 1023;
/** Most ICE servers an offer may carry. */
const MAX_ICE_SERVERS = 16;
/** Longest error message / stop reason, in UTF-16 code units (String.length, the same on both sides). */
export const MAX_TEXT_LENGTH = 4 * 1024;

/**
 * Most lines in the streamer's log (the `log` trait): the recent past of a running stream, a
 * screenful in the widget. A transform printing every frame fills it in 2 s, so it must stay
 * small: the whole log is resent on each sync.
 */
export const MAX_LOG_LINES = 50;
/**
 * Longest log line, in UTF-16 code units; longer ones are cut. A line is a message, not a dump:
 * with MAX_LOG_LINES it bounds the synced log at 25,000 characters.
 */
export const MAX_LOG_LINE_LENGTH = 500;

/** Most file names in the `recording` trait (a recording's files: input, output and their later segments). */
export const MAX_RECORDING_FILES = 8;
/** Longest recording file name in the `recording` trait, UTF-16 code units (rtc/record-protocol.ts). */
export const MAX_RECORDING_PATH_LENGTH = 1024;

/**
 * Kernel transport (docs/design.md, "Kernel transport"): largest encoded video frame in a `media`
 * message, in bytes. A 1080p VP8 keyframe at a high bitrate is ~300 KB; 1 MiB bounds what one
 * message makes the receiver copy and decode.
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
/**
 * Kernel transport: largest Opus packet in an `audio` media message, bytes. One 20 ms Opus frame is
 * at most 1275 bytes (RFC 6716, 3.4); at 32 kbit/s it is ~80.
 */
export const MAX_AUDIO_MEDIA_BYTES = 1275;
/**
 * Kernel transport: most audio packets a side sends before the other acknowledged them
 * (`audio_ack`, cumulative): 16 x 20 ms = 320 ms, as AUDIO_IN_FLIGHT in the worker. Beyond it new
 * packets are dropped (counted), so a stalled link never queues audio without bound.
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
  // what an `annotations` message may hold (annotations/validate.ts checks it before sending)
  ...ANNOTATION_LIMITS,
  // what a `connection_report` may hold (connection-report.ts)
  ...CONNECTION_REPORT_LIMITS,
  // the version handshake's (handshake.ts)
  ...HANDSHAKE_LIMITS,
} as const;

// ---- Frontend → kernel ----

interface IOfferMessage {
  type: 'offer';
  sdp: string;
  /** What the browser uses (its widget override, else the site setting), for our side too. Missing or null = []. */
  ice_servers: IceServerLike[];
}
/** Trickle ICE (both directions); null = end of candidates. */
interface ICandidateMessage {
  type: 'candidate';
  candidate: CandidateInit | null;
}
interface IStopMessage {
  type: 'stop';
}
/** The clear button of the widget's log area: empties the `log` trait for every view. */
interface IClearLogMessage {
  type: 'clear_log';
}
/**
 * The browser's session state, sent on every change (its status line: the state word, then the
 * detail), so the notebook sees browser-side failures (camera denied, no camera, ICE failed, answer
 * timeout) with their reason in `status$`, and `start()` learns how its request ended.
 */
interface IBrowserStatusMessage {
  type: 'browser_status';
  state: KernelStatus;
  /** "" or why (e.g. "camera access denied: ..."), at most MAX_TEXT_LENGTH. */
  detail: string;
}
/** The widget's record button: start recording the input and output to default names, or stop every recording. */
interface IRecordMessage {
  type: 'record';
  action: 'start' | 'stop';
}
/** The browser's connection doctor report (connection-report.ts): after a failure, once connected, on `diagnose`. */
interface IConnectionReportMessage {
  type: 'connection_report';
  report: ConnectionReport;
}
/**
 * Start a kernel-transport session instead of (or after) WebRTC: the browser's setting asked for it,
 * or ICE did not connect in time. `reason` says why (shown by the widget, at most MAX_TEXT_LENGTH).
 */
interface IUseKernelTransportMessage {
  type: 'use_kernel_transport';
  reason: string;
}
/**
 * Kernel transport, both directions: exactly one binary buffer, a MEDIA_HEADER_BYTES header
 * (parseMediaHeader) then, for a video frame, the VP8 frame. The JSON part never changes.
 */
interface IMediaMessage {
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

interface IAnswerMessage {
  type: 'answer';
  sdp: string;
}
interface IErrorMessage {
  type: 'error';
  message: string;
  /** True when the peer was closed because of it. */
  fatal: boolean;
}
interface IStoppedMessage {
  type: 'stopped';
  reason: string;
}
/** start() from the notebook: the browser starts a session as its Start button does (permission prompt included). */
interface IStartMessage {
  type: 'start';
}
/** selectCamera() from the notebook: as choosing in the widget's picker (null = the default camera). */
interface ISelectCameraMessage {
  type: 'select_camera';
  /** A deviceId of the browser's enumerateDevices(), at most MAX_TEXT_LENGTH; null = the default camera. */
  device_id: string | null;
}
/**
 * Frames per stage of the kernel's pipeline, in pipeline order (docs/design.md, "Frame accounting"):
 * received (assembled from RTP) = decoded + decode_failed; decoded = dropped_worker + dropped_main +
 * delivered (+ at most 2 in flight); delivered → transform → transformed (+ transform_errors, whose
 * frames pass through unchanged) = dropped_send + encoded (+ at most 2 in flight); encoded ≥ sent.
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
 * Audio frames (20 ms each) per stage of the kernel's audio path, in order: received (Opus packets)
 * = decoded + decode_failed; decoded = dropped_worker + delivered (+ at most AUDIO_IN_FLIGHT queued);
 * delivered → transformAudio → transformed (+ transform_errors, passed through); encoded counts
 * 20 ms Opus frames (the transform may emit other lengths), sent their RTP packets.
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
interface IStatsMessage {
  type: 'stats';
  /** Summary of the last interval (also in `fps`/`total`; the benchmarks read these). */
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
  /** Audio frames per stage, per second and since the session started; missing from older kernels. */
  audio?: { fps: IAudioStageCounts; total: IAudioStageCounts };
  /**
   * How this session's media travels (`STATS_TRANSPORTS`); missing from older kernels. Over
   * `kernel` the link figures are the comm's (link-meter.ts): `kbps_in` / `kbps_out` the `media`
   * buffers' bytes, `rtt_ms` the mean ack round trip of the kernel's video frames (null in sendonly:
   * none are sent), `loss_out` and `lost_in` 0 (nothing is lost on the comm: drops are counted).
   */
  transport?: StatsTransport;
  /** Kernel transport only: the kernel's encoded frames dropped for lack of the browser's credit or too large, since the session started. */
  link_dropped?: number;
}
/** The `transport` of a stats message: the carrier actually used (never `auto`). */
const STATS_TRANSPORTS = ['webrtc', 'kernel'] as const;
type StatsTransport = (typeof STATS_TRANSPORTS)[number];
/**
 * One frame's annotations (annotations/types.ts FrameAnnotations, checked by annotations/validate.ts
 * within the ANNOTATION_LIMITS), drawn by the widget over the video. `rtp` is the RTP timestamp the
 * kernel's outgoing video gives the frame they belong to (computed from the worker's RTP clock
 * mapping): the browser draws them on the displayed frame with that RTP timestamp (and later ones
 * until newer annotations arrive). Null when no video goes back (sendonly, or nothing sent yet): the
 * browser draws them as they arrive.
 */
interface IAnnotationsMessage {
  type: 'annotations';
  /** The frame's timestamp, ms. */
  timestamp: number;
  rtp: number | null;
  width: number;
  height: number;
  items: Annotation[];
}
/** Asks the browser for its connection doctor report (ctx.diagnose()). */
interface IDiagnoseMessage {
  type: 'diagnose';
}
/** The kernel is ready for a kernel-transport session (answers use_kernel_transport): media may flow. */
interface IKernelTransportReadyMessage {
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
/** The stages of IStageCounts in pipeline order, at run time. */
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

/** The stages of IAudioStageCounts in order, at run time. */
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

// ---- Synced state (the streamer's own keys; the widget base keys come from widgets/controls) ----

export const KERNEL_STATUSES = ['idle', 'connecting', 'playing', 'stopped', 'error'] as const;
/** The kernel's view of the peer. */
export type KernelStatus = (typeof KERNEL_STATUSES)[number];

/**
 * Which way video goes, as the browser's transceiver direction: `sendrecv` camera to kernel and
 * back, `sendonly` camera to kernel only (no encoder in the kernel, no output pane), `recvonly`
 * kernel to browser only (no camera: the kernel's `source`). The browser's offer must match it.
 */
export const STREAM_MODES = ['sendrecv', 'sendonly', 'recvonly'] as const;
export type StreamMode = (typeof STREAM_MODES)[number];

/**
 * The browser's RTCPeerConnection iceTransportPolicy: `all` (every candidate) or `relay` (only
 * through a TURN server, e.g. to prove TURN works or to hide the browser's addresses).
 */
export const ICE_TRANSPORT_POLICIES = ['all', 'relay'] as const;
export type IceTransportPolicy = (typeof ICE_TRANSPORT_POLICIES)[number];

/**
 * How media travels: `webrtc` (UDP, ICE), `kernel` (encoded frames over the widget's comm, through
 * Jupyter's own websocket), `auto` (WebRTC, then the kernel transport when ICE has not connected
 * within the browser's fallback time or failed). The first is the default.
 */
export const TRANSPORTS = ['auto', 'webrtc', 'kernel'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface IStreamerSyncedState {
  /** Names the stream; a re-run cell with the same key reuses the widget. */
  key: string;
  /** Per-widget override; null = the site setting. */
  ice_servers: IceServerLike[] | null;
  codec: 'VP8';
  /** Per-widget override of the stats overlay setting. */
  show_stats: boolean | null;
  /** getUserMedia constraints, e.g. `{video: {width: 640, height: 480}}`. */
  media_constraints: JSONObject | null;
  /** The last transform error, "" while the transform runs cleanly. */
  transform_error: string;
  kernel_status: KernelStatus;
  /**
   * The streamer's log, oldest first: transform errors and what the transform code prints, with
   * the time (at most MAX_LOG_LINES lines of MAX_LOG_LINE_LENGTH). Output after the cell finished
   * shows here, since JupyterLab drops it under the cell.
   */
  log: string[];
  /** Per-widget encoder and quality controls; null (or a null field) = the site setting. */
  quality: IQuality | null;
  /** The microphone too: an Opus audio track both ways, transformAudio in the kernel (default false). */
  audio: boolean;
  /** Which way video goes (STREAM_MODES); the browser offers this direction. */
  mode: StreamMode;
  /** Whether the stream is being recorded, and the files: being written while active, else the last recording's. */
  recording: IRecordingState;
  /** Per-widget override of the browser's ICE transport policy; null = the site setting. */
  ice_transport_policy: IceTransportPolicy | null;
  /** How media travels (TRANSPORTS); null = the site setting. Set by the notebook only. */
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

/** The `recording` trait: files are paths relative to the notebook's folder (absolute when outside it). */
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

// ---- Validation of what the frontend sends ----

class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** The message, validated and normalized (only the protocol's fields), or a ProtocolError saying why not. */
export function parseFrontendMessage(content: JSONValue): FrontendMessage {
  if (!isObject(content)) {
    throw new ProtocolError('a signalling message must be an object with a "type"');
  }
  switch (content.type) {
    case 'offer':
      return { type: 'offer', sdp: parseSdp(content.sdp, 'offer'), ice_servers: parseIceServers(content.ice_servers) };
    case 'candidate':
      if (!('candidate' in content))
        throw new ProtocolError('a candidate message needs "candidate" (null = end of candidates)');
      return { type: 'candidate', candidate: parseCandidate(content.candidate) };
    case 'stop':
      return { type: 'stop' };
    case 'clear_log':
      return { type: 'clear_log' };
    case 'site_quality':
      return { type: 'site_quality', quality: parseQuality(content.quality, 'site_quality.quality') };
    case 'browser_status': {
      const { state, detail } = content;
      if (typeof state !== 'string' || !(KERNEL_STATUSES as readonly string[]).includes(state)) {
        throw new ProtocolError(`browser_status.state must be one of ${KERNEL_STATUSES.join(', ')}`);
      }
      if (typeof detail !== 'string' || detail.length > MAX_TEXT_LENGTH) {
        throw new ProtocolError(`browser_status.detail must be a string of at most ${MAX_TEXT_LENGTH} characters`);
      }
      return { type: 'browser_status', state: state as KernelStatus, detail };
    }
    case 'connection_report':
      try {
        return { type: 'connection_report', report: parseConnectionReport(content.report) };
      } catch (error) {
        throw new ProtocolError((error as Error).message);
      }
    case 'use_kernel_transport':
      if (typeof content.reason !== 'string' || content.reason.length > MAX_TEXT_LENGTH) {
        throw new ProtocolError(
          `use_kernel_transport.reason must be a string of at most ${MAX_TEXT_LENGTH} characters`,
        );
      }
      return { type: 'use_kernel_transport', reason: content.reason };
    case 'media':
      return { type: 'media' };
    case 'hello': {
      const protocol = parseProtocolVersion(content.protocol_version);
      const version = parsePackageVersion(content.extension_version);
      if (protocol === null || version === null) {
        throw new ProtocolError(
          `a hello message needs "protocol_version" (an integer from 0) and "extension_version" (a version of at most ${MAX_VERSION_LENGTH} characters)`,
        );
      }
      return { type: 'hello', protocol_version: protocol, extension_version: version };
    }
    case 'record':
      if (content.action !== 'start' && content.action !== 'stop') {
        throw new ProtocolError('a record message needs "action": "start" or "stop"');
      }
      return { type: 'record', action: content.action };
    default:
      throw new ProtocolError(`unknown signalling message type ${JSON.stringify(content.type ?? null)}`);
  }
}

/**
 * What we send, fitted to the limits the browser checks: an error text or stop reason longer than
 * MAX_TEXT_LENGTH is cut (the browser would drop the whole message, and the user see nothing).
 */
export function fitToLimits(message: KernelMessage): KernelMessage {
  switch (message.type) {
    case 'error':
      return { ...message, message: clip(message.message) };
    case 'stopped':
      return { ...message, reason: clip(message.reason) };
    case 'stats':
      return fitStats(message);
    default:
      return message;
  }
}

/** A count or time the browser accepts: finite and >= 0 (NaN, infinities and negatives become 0). */
function figure(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function stages(counts: IStageCounts): IStageCounts {
  const fitted = {} as IStageCounts;
  for (const stage of STATS_STAGES) fitted[stage] = figure(counts[stage]);
  return fitted;
}

function audioStages(counts: IAudioStageCounts): IAudioStageCounts {
  const fitted = {} as IAudioStageCounts;
  for (const stage of AUDIO_STATS_STAGES) fitted[stage] = figure(counts[stage]);
  return fitted;
}

/** Stats with every figure finite and >= 0 (the browser drops the whole message otherwise). */
function fitStats(stats: IStatsMessage): IStatsMessage {
  return {
    type: 'stats',
    fps_in: figure(stats.fps_in),
    fps_out: figure(stats.fps_out),
    dropped: figure(stats.dropped),
    decode_ms: figure(stats.decode_ms),
    encode_ms: figure(stats.encode_ms),
    transform_ms: figure(stats.transform_ms),
    fps: stages(stats.fps),
    total: stages(stats.total),
    kbps_in: figure(stats.kbps_in),
    kbps_out: figure(stats.kbps_out),
    rtt_ms: stats.rtt_ms === null ? null : figure(stats.rtt_ms),
    loss_out: Math.min(1, figure(stats.loss_out)),
    lost_in: figure(stats.lost_in),
    ...(stats.audio ? { audio: { fps: audioStages(stats.audio.fps), total: audioStages(stats.audio.total) } } : {}),
    ...(stats.transport && STATS_TRANSPORTS.includes(stats.transport) ? { transport: stats.transport } : {}),
    ...(stats.link_dropped !== undefined ? { link_dropped: figure(stats.link_dropped) } : {}),
  };
}

function clip(text: string): string {
  if (text.length <= MAX_TEXT_LENGTH) return text;
  let end = MAX_TEXT_LENGTH - 1;
  // Do not split a surrogate pair.
  if (/[\ud800-\udbff]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}…`;
}

function isObject(value: JSONValue | undefined): value is JSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseSdp(sdp: JSONValue | undefined, what: string): string {
  if (typeof sdp !== 'string') throw new ProtocolError(`${what}.sdp must be an SDP string (starting with "v=0")`);
  if (Buffer.byteLength(sdp) > MAX_SDP_BYTES)
    throw new ProtocolError(`${what}.sdp is larger than ${MAX_SDP_BYTES} bytes`);
  if (!sdp.startsWith('v=0')) throw new ProtocolError(`${what}.sdp must be an SDP string (starting with "v=0")`);
  // Kernel-side only (the browser never receives an offer): see MAX_OFFER_MLINES.
  const mLines = countMLines(sdp);
  if (mLines > MAX_OFFER_MLINES) {
    throw new ProtocolError(`${what}.sdp has ${mLines} m-lines; at most ${MAX_OFFER_MLINES} are accepted`);
  }
  return sdp;
}

function parseCandidate(value: JSONValue | undefined): CandidateInit | null {
  if (value === null) return null;
  if (!isObject(value)) {
    throw new ProtocolError('candidate must be an RTCIceCandidateInit object or null');
  }
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = value;
  if (typeof candidate !== 'string') {
    throw new ProtocolError('candidate.candidate must be a string');
  }
  if (Buffer.byteLength(candidate) > MAX_CANDIDATE_BYTES) {
    throw new ProtocolError(`candidate.candidate is larger than ${MAX_CANDIDATE_BYTES} bytes`);
  }
  if (sdpMid !== undefined && sdpMid !== null && typeof sdpMid !== 'string') {
    throw new ProtocolError('candidate.sdpMid must be a string or null');
  }
  if (
    sdpMLineIndex !== undefined &&
    sdpMLineIndex !== null &&
    !(Number.isInteger(sdpMLineIndex) && (sdpMLineIndex as number) >= 0 && (sdpMLineIndex as number) <= MAX_MLINE_INDEX)
  ) {
    throw new ProtocolError(`candidate.sdpMLineIndex must be an integer from 0 to ${MAX_MLINE_INDEX}, or null`);
  }
  if (usernameFragment !== undefined && usernameFragment !== null && typeof usernameFragment !== 'string') {
    throw new ProtocolError('candidate.usernameFragment must be a string or null');
  }
  // As RTCPeerConnection.addIceCandidate: a candidate line needs its m-line ("" = end of a generation).
  if (candidate !== '' && typeof sdpMid !== 'string' && typeof sdpMLineIndex !== 'number') {
    throw new ProtocolError('candidate needs sdpMid or sdpMLineIndex');
  }
  return {
    candidate,
    ...(typeof sdpMid === 'string' ? { sdpMid } : {}),
    ...(typeof sdpMLineIndex === 'number' ? { sdpMLineIndex } : {}),
    ...(typeof usernameFragment === 'string' ? { usernameFragment } : {}),
  };
}

function parseIceServers(value: JSONValue | undefined): IceServerLike[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_ICE_SERVERS) {
    throw new ProtocolError(`offer.ice_servers must be a list of at most ${MAX_ICE_SERVERS} RTCIceServer objects`);
  }
  return value.map((server) => {
    if (!isObject(server)) {
      throw new ProtocolError('each of offer.ice_servers must be an RTCIceServer object');
    }
    const { urls, username, credential } = server;
    const urlList = typeof urls === 'string' ? [urls] : urls;
    if (
      !Array.isArray(urlList) ||
      urlList.length === 0 ||
      !urlList.every((url) => typeof url === 'string' && /^(stun|stuns|turn|turns):/.test(url))
    ) {
      throw new ProtocolError('offer.ice_servers[].urls must be stun:/turn: URLs');
    }
    if (
      (username !== undefined && typeof username !== 'string') ||
      (credential !== undefined && typeof credential !== 'string')
    ) {
      throw new ProtocolError('offer.ice_servers[].username and credential must be strings');
    }
    return {
      urls: urlList as string[],
      ...(typeof username === 'string' ? { username } : {}),
      ...(typeof credential === 'string' ? { credential } : {}),
    };
  });
}

// ---- Quality: encoder and quality controls (the `quality` trait, the `site_quality` message) ----

/** What a sender gives up first under load, as WebRTC's RTCDegradationPreference names it. */
export const DEGRADATIONS = ['maintain-framerate', 'maintain-resolution', 'balanced'] as const;
export type Degradation = (typeof DEGRADATIONS)[number];

/**
 * Bounds of the `quality` fields (the same names and values in src/streamer/protocol.ts). Sides:
 * 16 px is the smallest picture worth encoding, 7680 the width of 8K. Frame rate: 1-120 fps, what
 * cameras deliver. Bitrate: below 50 kbit/s VP8 shows blocks only; 50 Mbit/s is well above 4K.
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
 * Caps on a stream, applied by both senders (the browser's camera track, the kernel's encoder)
 * without renegotiating. A null field sets no cap of its own: the widget's null fields follow the
 * site setting, whose null fields mean no cap. `degradation` only steers the browser's encoder.
 */
export interface IQuality {
  /** Widest picture sent, px (scaled down keeping the aspect ratio). */
  max_width: number | null;
  /** Tallest picture sent, px. */
  max_height: number | null;
  /** Most frames per second sent (others are skipped). */
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

/** The browser's site setting, which the widget's `quality` overrides field by field. */
interface ISiteQualityMessage {
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
 * A `quality` object, validated: only its fields (an unknown one is refused, so a misspelt cap is
 * not silently ignored), a missing field = null, each within QUALITY_LIMITS. Throws a
 * ProtocolError naming the field.
 */
export function parseQuality(value: JSONValue | undefined, what = 'quality'): IQuality {
  if (!isObject(value)) throw new ProtocolError(`${what} must be an object of caps`);
  const unknown = Object.keys(value).filter((key) => !(QUALITY_FIELDS as string[]).includes(key));
  if (unknown.length > 0) {
    throw new ProtocolError(
      `${what} has no field ${JSON.stringify(unknown[0])} (fields: ${QUALITY_FIELDS.join(', ')})`,
    );
  }
  const quality: IQuality = { max_width: null, max_height: null, max_fps: null, bitrate_kbps: null, degradation: null };
  for (const [field, [min, max, integer]] of Object.entries(QUALITY_RANGES) as [
    keyof typeof QUALITY_RANGES,
    [number, number, boolean],
  ][]) {
    const v = value[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new ProtocolError(
        `${what}.${field} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, or null`,
      );
    }
    quality[field] = v;
  }
  const degradation = value.degradation;
  if (degradation !== undefined && degradation !== null) {
    if (!(DEGRADATIONS as readonly JSONValue[]).includes(degradation)) {
      throw new ProtocolError(`${what}.degradation must be one of ${DEGRADATIONS.join(', ')}, or null`);
    }
    quality.degradation = degradation as Degradation;
  }
  return quality;
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
 * The browser sends a `keepalive` when it sent nothing else for this long (ms): a recvonly browser
 * otherwise only acks, and a source that pauses would look like a browser gone away (the kernel's
 * Liveness, 4 s).
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

/** Reads and checks a `media` buffer's header; throws a ProtocolError saying what is wrong. */
export function parseMediaHeader(bytes: Uint8Array): IMediaHeader {
  if (bytes.byteLength < MEDIA_HEADER_BYTES)
    throw new ProtocolError(`a media buffer needs ${MEDIA_HEADER_BYTES} header bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, MEDIA_HEADER_BYTES);
  if (view.getUint8(0) !== MEDIA_VERSION)
    throw new ProtocolError(`media version ${view.getUint8(0)} is not ${MEDIA_VERSION}`);
  const kind = KIND_OF.get(view.getUint8(1));
  if (!kind) throw new ProtocolError(`unknown media kind ${view.getUint8(1)}`);
  const flags = view.getUint8(2);
  if ((flags & ~3) !== 0 || (flags !== 0 && kind !== 'video') || view.getUint8(3) !== 0) {
    throw new ProtocolError('media flags: only bit 0 (keyframe) and bit 1 (ack), and only on video');
  }
  const timestamp = view.getFloat64(8, true);
  const payloadBytes = bytes.byteLength - MEDIA_HEADER_BYTES;
  const payload = PAYLOAD_OF[kind];
  if (payload) {
    if (!Number.isFinite(timestamp) || timestamp < 0)
      throw new ProtocolError('media timestamp must be finite and >= 0');
    if (payloadBytes < 1 || payloadBytes > payload[0]) {
      throw new ProtocolError(payload[1].replace('%d', String(payload[0])));
    }
  } else if (payloadBytes !== 0 || timestamp !== 0) {
    throw new ProtocolError(`a media ${kind} carries nothing but its header`);
  }
  const hasAck = (flags & 2) === 2;
  const ack = view.getUint32(16, true);
  if (!hasAck && ack !== 0) throw new ProtocolError('a media ack field is 0 unless flag bit 1 says it carries one');
  return {
    kind,
    key: (flags & 1) === 1,
    seq: view.getUint32(4, true),
    timestamp,
    payloadBytes,
    ack: hasAck ? ack : null,
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
