/**
 * Validates what the browser sends on the streamer's comm before anything acts on it. Signalling
 * messages are rare JSON; media never travels here.
 */
import type { JSONValue } from '../kernel/api';
import type { CandidateInit, IceServerLike } from '../rtc';

export const MAX_SDP_BYTES = 64 * 1024;
const MAX_CANDIDATE_CHARS = 1024;
const MAX_ICE_SERVERS = 16;

export type ClientMessage =
  /** iceServers: what the browser uses (its widget override or the site setting), for our side. */
  | { type: 'offer'; sdp: string; iceServers: IceServerLike[] }
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
      return { type: 'offer', sdp, iceServers: parseIceServers(content.ice_servers) };
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

function parseIceServers(value: JSONValue | undefined): IceServerLike[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_ICE_SERVERS) {
    throw new SignallingError(`offer.ice_servers must be a list of at most ${MAX_ICE_SERVERS} RTCIceServer objects`);
  }
  return value.map((server) => {
    if (typeof server !== 'object' || server === null || Array.isArray(server)) {
      throw new SignallingError('each of offer.ice_servers must be an RTCIceServer object');
    }
    const { urls, username, credential } = server;
    const urlList = typeof urls === 'string' ? [urls] : urls;
    if (!Array.isArray(urlList) || urlList.length === 0 || !urlList.every((url) => typeof url === 'string' && /^(stun|stuns|turn|turns):/.test(url))) {
      throw new SignallingError('offer.ice_servers[].urls must be stun:/turn: URLs');
    }
    if ((username !== undefined && typeof username !== 'string') || (credential !== undefined && typeof credential !== 'string')) {
      throw new SignallingError('offer.ice_servers[].username and credential must be strings');
    }
    return {
      urls: urlList as string[],
      ...(typeof username === 'string' ? { username } : {}),
      ...(typeof credential === 'string' ? { credential } : {}),
    };
  });
}
