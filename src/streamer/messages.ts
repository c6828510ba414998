/**
 * The streamer's custom messages (docs/design.md, "Streamer widget
 * protocol") and the validation of everything the kernel sends.
 */

/** Largest SDP accepted from (and sent to) the kernel. */
export const MAX_SDP_BYTES = 64 * 1024;
/** Largest ICE candidate line accepted. */
export const MAX_CANDIDATE_BYTES = 4 * 1024;
/** Longest error message / stop reason accepted. */
export const MAX_TEXT_LENGTH = 4 * 1024;

// frontend → kernel
export interface IOfferMessage {
  type: 'offer';
  sdp: string;
  /** The ICE servers this side uses (widget override, else the site setting), for the kernel's side. */
  ice_servers: RTCIceServer[];
}
export interface ICandidateMessage {
  type: 'candidate';
  candidate: RTCIceCandidateInit | null;
}
export interface IStopMessage {
  type: 'stop';
}
export type FrontendMessage = IOfferMessage | ICandidateMessage | IStopMessage;

// kernel → frontend
export interface IAnswerMessage {
  type: 'answer';
  sdp: string;
}
export interface IErrorMessage {
  type: 'error';
  message: string;
  fatal: boolean;
}
export interface IStoppedMessage {
  type: 'stopped';
  reason: string;
}
export interface IStatsMessage {
  type: 'stats';
  fps_in: number;
  fps_out: number;
  dropped: number;
  decode_ms: number;
  encode_ms: number;
  transform_ms: number;
}
export type KernelMessage =
  | IAnswerMessage
  | ICandidateMessage
  | IErrorMessage
  | IStoppedMessage
  | IStatsMessage;

export const STATS_FIELDS = [
  'fps_in',
  'fps_out',
  'dropped',
  'decode_ms',
  'encode_ms',
  'transform_ms'
] as const;

/** Outcome of validating one message: the typed message, or why not. */
export type ParseResult =
  | { ok: true; message: KernelMessage }
  | { ok: false; reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The UTF-8 size of a string, in bytes. */
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

function optional<T>(
  value: unknown,
  check: (v: unknown) => v is T
): value is T | null | undefined {
  return value === undefined || value === null || check(value);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isIndex = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1024;

/** Validates an RTCIceCandidateInit (or null = end of candidates). */
export function parseCandidate(
  value: unknown
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
    return { ok: false, reason: 'candidate.candidate is too long' };
  }
  if (!optional(sdpMid, isString)) {
    return { ok: false, reason: 'candidate.sdpMid must be a string or null' };
  }
  if (!optional(sdpMLineIndex, isIndex)) {
    return {
      ok: false,
      reason: 'candidate.sdpMLineIndex must be a small non-negative integer or null'
    };
  }
  if (!optional(usernameFragment, isString)) {
    return {
      ok: false,
      reason: 'candidate.usernameFragment must be a string or null'
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

function text(
  data: Record<string, unknown>,
  key: string
): { ok: true; value: string } | { ok: false; reason: string } {
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
      if (typeof sdp !== 'string' || sdp.length === 0) {
        return { ok: false, reason: 'answer.sdp must be a non-empty string' };
      }
      if (utf8Length(sdp) > MAX_SDP_BYTES) {
        return { ok: false, reason: `answer.sdp is larger than ${MAX_SDP_BYTES} bytes` };
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
        message: { type: 'candidate', candidate: parsed.candidate }
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
        message: { type: 'error', message: message.value, fatal: data.fatal }
      };
    }
    case 'stopped': {
      const reason = text(data, 'reason');
      if (!reason.ok) {
        return reason;
      }
      return { ok: true, message: { type: 'stopped', reason: reason.value } };
    }
    case 'stats': {
      const stats: Partial<IStatsMessage> = { type: 'stats' };
      for (const field of STATS_FIELDS) {
        const value = data[field];
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
          return {
            ok: false,
            reason: `stats.${field} must be a finite non-negative number`
          };
        }
        stats[field] = value;
      }
      return { ok: true, message: stats as IStatsMessage };
    }
    default:
      return {
        ok: false,
        reason: `unknown message type ${JSON.stringify(data.type)}`
      };
  }
}

/** Turns an RTCIceCandidate (or null) into the JSON the kernel expects. */
export function candidateToJSON(
  candidate: RTCIceCandidate | RTCIceCandidateInit | null
): RTCIceCandidateInit | null {
  if (candidate === null) {
    return null;
  }
  const json =
    typeof (candidate as RTCIceCandidate).toJSON === 'function'
      ? (candidate as RTCIceCandidate).toJSON()
      : candidate;
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
