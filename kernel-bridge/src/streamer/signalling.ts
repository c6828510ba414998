/**
 * Validates what the browser sends on the streamer's comm before anything acts on it. Signalling
 * messages are rare JSON; media never travels here.
 */
import type { JSONValue } from '../kernel/api';
import type { CandidateInit } from '../rtc';

export const MAX_SDP_BYTES = 64 * 1024;
const MAX_CANDIDATE_CHARS = 1024;

export type ClientMessage =
  | { type: 'offer'; sdp: string }
  | { type: 'candidate'; candidate: CandidateInit | null }
  | { type: 'stop' };

export class SignallingError extends Error {
  override name = 'SignallingError';
}

export function parseClientMessage(content: JSONValue): ClientMessage {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw new SignallingError('a signalling message must be an object with a "type"');
  }
  switch (content.type) {
    case 'offer': {
      const { sdp } = content;
      if (typeof sdp !== 'string' || !sdp.startsWith('v=0')) {
        throw new SignallingError('offer.sdp must be an SDP string (starting with "v=0")');
      }
      if (Buffer.byteLength(sdp) > MAX_SDP_BYTES) {
        throw new SignallingError(`offer.sdp is larger than ${MAX_SDP_BYTES} bytes`);
      }
      return { type: 'offer', sdp };
    }
    case 'candidate':
      return { type: 'candidate', candidate: parseCandidate(content.candidate) };
    case 'stop':
      return { type: 'stop' };
    default:
      throw new SignallingError(`unknown signalling message type ${JSON.stringify(content.type ?? null)}`);
  }
}

function parseCandidate(value: JSONValue | undefined): CandidateInit | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SignallingError('candidate must be an RTCIceCandidateInit object or null');
  }
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = value;
  if (typeof candidate !== 'string' || candidate.length > MAX_CANDIDATE_CHARS) {
    throw new SignallingError('candidate.candidate must be a string');
  }
  if (sdpMid !== undefined && sdpMid !== null && typeof sdpMid !== 'string') {
    throw new SignallingError('candidate.sdpMid must be a string or null');
  }
  if (sdpMLineIndex !== undefined && sdpMLineIndex !== null && !Number.isInteger(sdpMLineIndex)) {
    throw new SignallingError('candidate.sdpMLineIndex must be an integer or null');
  }
  if (usernameFragment !== undefined && usernameFragment !== null && typeof usernameFragment !== 'string') {
    throw new SignallingError('candidate.usernameFragment must be a string or null');
  }
  return {
    candidate,
    ...(typeof sdpMid === 'string' ? { sdpMid } : {}),
    ...(typeof sdpMLineIndex === 'number' ? { sdpMLineIndex } : {}),
    ...(typeof usernameFragment === 'string' ? { usernameFragment } : {}),
  };
}
