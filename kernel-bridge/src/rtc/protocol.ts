/**
 * Messages between a MediaPeer (main thread) and its worker (worker/main.ts). Small fixed-shape
 * objects; pixel buffers travel as transferred ArrayBuffers, never as JSON.
 */
import type { RecordedFile, RecordTarget } from './record-protocol';

export interface IceServerLike {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface CandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export type PeerState = 'new' | 'connecting' | 'connected' | 'failed' | 'closed';

/**
 * A peer's frames, counted per stage in pipeline order since the peer started (cumulative). The
 * worker counts received..dropped_worker and dropped_send's not-yet-connected part, encoded and
 * sent; MediaPeer (main thread) counts dropped_main, delivered and the rest of dropped_send. The
 * streamer adds the transform's own counts (streamer/protocol.ts IStatsMessage).
 */
export interface PeerFrameCounts {
  /** Frames assembled from the browser's RTP packets (depacketizer output). */
  received: number;
  /** Frames the decoder turned into pictures (a received frame it could not decode is decode_failed). */
  decoded: number;
  /** Received frames that gave no usable picture (corrupt, waiting for a keyframe, too large). */
  decode_failed: number;
  /** Decoded frames replaced by a newer one while waiting to go to the main thread (latest-first). */
  dropped_worker: number;
  /** Frames replaced by a newer one while waiting for the transform on the main thread (latest-first). */
  dropped_main: number;
  /** Frames handed to the transform. */
  delivered: number;
  /** Frames to send replaced by a newer one while the encoder was busy, skipped by the frame-rate cap, or sent before the peer connected. */
  dropped_send: number;
  /** Frames the encoder turned into a VP8 frame. */
  encoded: number;
  /** Encoded frames whose RTP packets all went to the connection. */
  sent: number;
}

/** The worker's share of PeerFrameCounts. */
export type WorkerFrameCounts = Omit<PeerFrameCounts, 'dropped_main' | 'delivered'>;

/** What werift's RTCP and RTP statistics say about the link, read once a second. */
export interface LinkStats {
  /** RTP payload bytes received from / sent to the browser, cumulative. */
  bytes_in: number;
  bytes_out: number;
  /** Round-trip time from the browser's receiver reports on our stream, ms; null until measured. */
  rtt_ms: number | null;
  /** Fraction (0-1) of our packets the browser reported lost in its last receiver report. */
  loss_out: number;
  /** Packets from the browser we never received, cumulative. */
  lost_in: number;
}

export interface MediaStats {
  /** The time the interval figures cover, ms (about a second). */
  interval_ms: number;
  /** Frames decoded per second (last second). */
  fps_in: number;
  /** Frames encoded and sent per second (last second). */
  fps_out: number;
  /** Frames dropped so far (latest-first policy in worker and in send()), cumulative. */
  dropped: number;
  /** Mean decode time per frame over the last second, ms (includes copy-out). */
  decode_ms: number;
  /** Mean encode time per frame over the last second, ms (includes packetizing). */
  encode_ms: number;
  /** Per-stage counts since the peer started. */
  total: PeerFrameCounts;
  /** Per-stage frames per second over the last interval. */
  fps: PeerFrameCounts;
  /** Audio frames per stage: since the peer started, and per second over the last interval. */
  audio: { total: PeerAudioCounts; fps: PeerAudioCounts };
  /** Bitrate from / to the browser over the last interval, kbit/s (RTP payload). */
  kbps_in: number;
  kbps_out: number;
  rtt_ms: number | null;
  loss_out: number;
  lost_in: number;
  /** VP8 encoders the worker opened so far (0: nothing was ever encoded, e.g. a sendonly stream). */
  encoder_opens: number;
}

/**
 * A peer's audio frames (20 ms each from browsers), counted per stage since the peer started, like
 * PeerFrameCounts. The worker counts received..dropped_worker, encoded, sent and the not-connected
 * part of dropped_send; MediaPeer counts delivered and the rest of dropped_send.
 */
export interface PeerAudioCounts {
  /** Opus packets received from the browser. */
  received: number;
  /** Packets decoded to an AudioFrame. */
  decoded: number;
  /** Packets that gave no audio (corrupt). */
  decode_failed: number;
  /** Decoded frames dropped because the main thread held AUDIO_IN_FLIGHT frames unread (busy for ~0.3 s). */
  dropped_worker: number;
  /** Frames handed to transformAudio. */
  delivered: number;
  /** Frames to send dropped: not connected, no audio negotiated, a full queue to the worker, a bad frame. */
  dropped_send: number;
  /** 20 ms Opus frames encoded. */
  encoded: number;
  /** Opus packets sent. */
  sent: number;
}

/** The worker's share of PeerAudioCounts. */
export type WorkerAudioCounts = Omit<PeerAudioCounts, 'delivered'>;

/**
 * Decoded audio frames posted to the main thread and not yet delivered to transformAudio, at most
 * (16 x 20 ms = 320 ms). Audio is a queue, not latest-first: every frame counts, and a frame is
 * small (3.8 KB mono). In normal operation the main thread takes each within a few ms; only a
 * cell blocking the main thread for more than 320 ms makes the worker drop (counted) new frames
 * rather than queue them without bound. The same bound applies to frames sent back.
 */
export const AUDIO_IN_FLIGHT = 16;

/** The worker's ~1 Hz report; MediaPeer adds its own counts and the per-second rates (MediaStats). */
export interface WorkerStatsReport {
  /** Time covered by the interval figures (decode_ms, encode_ms, fps_in, fps_out), ms. */
  interval_ms: number;
  fps_in: number;
  fps_out: number;
  /** Frames the worker dropped, cumulative (dropped_worker + decode_failed's too-large + not connected). */
  dropped: number;
  decode_ms: number;
  encode_ms: number;
  total: WorkerFrameCounts;
  /** Audio stages, cumulative. */
  audio: WorkerAudioCounts;
  link: LinkStats;
  /** VP8 encoders opened so far. */
  encoder_opens: number;
}

/**
 * Most m-lines (media sections) an offer may carry. Ours has one video section; a browser adds at
 * most an audio and a data section. Each unbundled m-line costs a UDP socket and an ICE/DTLS
 * transport in werift (50 of them took 50 sockets), so more than a handful is refused up front.
 */
export const MAX_OFFER_MLINES = 4;

/** The m-lines of an SDP ("m=" at the start of a line). */
export function countMLines(sdp: string): number {
  return sdp.match(/^m=/gm)?.length ?? 0;
}

export interface WorkerInit {
  iceServers: IceServerLike[];
  hostAddresses: string[] | undefined;
  codec: 'VP8';
  bitrate: number | undefined;
  encoderThreads: number | undefined;
  maxPayload: number | undefined;
  /** Decoded frames posted to the main thread and not yet acknowledged, at most. */
  maxInFlight: number;
  jitterLatencyMs: number;
  /** Connected and nothing (RTP or RTCP) from the browser for this long: it went away (worker/liveness.ts). */
  livenessTimeoutMs: number;
}

export type ToWorker =
  | { t: 'answer'; id: number; sdp: string }
  | { t: 'candidate'; id: number; candidate: CandidateInit | null }
  /** A frame to encode and send. `give`: the worker keeps the buffer; else it returns it ('sent'). */
  | { t: 'frame'; width: number; height: number; timestamp: number; buffer: ArrayBuffer; give: boolean }
  /** The main thread has taken a decoded frame. */
  | { t: 'ack' }
  /** New caps for what the worker encodes (see EncoderCaps); applied from the next frame. */
  | { t: 'caps'; caps: EncoderCaps }
  /** Start recording to `targets` (files opened at once: the reply says whether they could be). */
  | { t: 'record_start'; id: number; rec: number; targets: RecordTarget[] }
  /** Finalise recording `rec`; the worker answers 'record_done'. */
  | { t: 'record_stop'; rec: number }
  /** Audio to encode (Opus) and send; the buffer comes back with 'audio_sent'. */
  | AudioMessage<'audio'>
  /** The main thread delivered `n` more decoded audio frames (see AUDIO_IN_FLIGHT). */
  | { t: 'audio_ack'; n: number }
  | { t: 'close' }
  /**
   * The kernel transport (streamer/kernel-transport.ts): no RTP; encoded VP8 frames come and go as
   * messages. 'use_chunks' switches the encoder's output to 'chunk_out'; 'chunk_in' is one encoded
   * frame from the browser (`length` bytes of `buffer`, capture time `timestamp` ms), answered by one
   * 'chunk_done' after decoding; 'keyframe' makes the next encoded frame a keyframe.
   */
  | { t: 'use_chunks' }
  | { t: 'chunk_in'; buffer: ArrayBuffer; length: number; timestamp: number }
  | { t: 'keyframe' }
  /**
   * Kernel transport audio: 'use_audio_chunks' sends the encoded Opus packets as 'audio_chunk_out'
   * (only when the browser plays audio); 'audio_chunk_in' is one Opus packet from the browser,
   * answered by one 'audio_chunk_done' after decoding (into the same 'audio' frames as over RTP).
   */
  | { t: 'use_audio_chunks' }
  | { t: 'audio_chunk_in'; buffer: ArrayBuffer; length: number; timestamp: number };

/**
 * An AudioFrame crossing the thread boundary: float32 interleaved samples in `buffer`
 * (transferred), `samples * channels` of them from offset 0.
 */
export interface AudioMessage<T extends 'audio'> {
  t: T;
  sampleRate: number;
  channels: number;
  samples: number;
  timestamp: number;
  buffer: ArrayBuffer;
}

export type FromWorker =
  | { t: 'ready' }
  | { t: 'reply'; id: number; ok: boolean; value: string; error: string }
  | { t: 'candidate'; candidate: CandidateInit | null }
  /** `reason`: why the worker ended the connection itself (e.g. the browser went away). */
  | { t: 'state'; state: PeerState; reason?: string }
  | { t: 'frame'; width: number; height: number; timestamp: number; buffer: ArrayBuffer }
  /** A sent frame was encoded (or dropped); `buffer` is the main thread's buffer coming back. */
  | { t: 'sent'; buffer: ArrayBuffer | null }
  | { t: 'stats'; stats: WorkerStatsReport }
  /** A decoded audio frame from the browser (48 kHz). */
  | AudioMessage<'audio'>
  /** An audio frame to send was handled (encoded or dropped); its buffer comes back. */
  | { t: 'audio_sent'; buffer: ArrayBuffer }
  | { t: 'error'; message: string; fatal: boolean }
  /** Recording `rec` is finalised (stopped, or the worker closing): its files, and what went wrong if anything did. */
  | { t: 'record_done'; rec: number; files: RecordedFile[]; error: string }
  /**
   * The outgoing RTP clock's mapping (worker/rtp-clock.ts RtpClock.mapping), at the first frame sent
   * and whenever its shift changes: how the streamer gives annotations the RTP timestamp of their frame.
   */
  | { t: 'rtp_mapping'; offset: number; shift: number }
  | { t: 'closed' }
  /** Kernel transport: one encoded frame to the browser (transferred); its answer to 'chunk_in'; a keyframe wanted from the browser. */
  | { t: 'chunk_out'; buffer: ArrayBuffer; timestamp: number; key: boolean }
  | { t: 'chunk_done' }
  | { t: 'keyframe_wanted' }
  /** Kernel transport audio: one Opus packet (20 ms) to the browser, captured at `timestamp` ms; the answer to 'audio_chunk_in'. */
  | { t: 'audio_chunk_out'; buffer: ArrayBuffer; timestamp: number }
  | { t: 'audio_chunk_done' };

// ---- Encoder caps (the streamer's quality controls, as the worker applies them) ----

/** Caps on what the worker encodes and sends; null = no cap (bitrate: the encoder's default). */
export interface EncoderCaps {
  /** Frames wider are scaled down (aspect ratio kept) before encoding, px. */
  maxWidth: number | null;
  /** Frames taller are scaled down before encoding, px. */
  maxHeight: number | null;
  /** Frames arriving faster are skipped (counted as dropped). */
  maxFps: number | null;
  /** Encoder target bitrate, bit/s. */
  bitrate: number | null;
}

/** Bounds the worker accepts (wider than the streamer's own limits; they guard the worker itself). */
const CAP_RANGES: Record<keyof EncoderCaps, [number, number, boolean]> = {
  maxWidth: [2, 8192, true],
  maxHeight: [2, 8192, true],
  maxFps: [0.1, 1000, false],
  bitrate: [10_000, 100_000_000, true],
};

/** `caps` checked field by field (the worker's side of the message); throws a clear Error. */
export function checkEncoderCaps(caps: unknown): EncoderCaps {
  if (typeof caps !== 'object' || caps === null || Array.isArray(caps)) throw new Error('caps must be an object');
  const given = caps as Record<string, unknown>;
  const checked = {} as EncoderCaps;
  for (const [field, [min, max, integer]] of Object.entries(CAP_RANGES) as [
    keyof EncoderCaps,
    [number, number, boolean],
  ][]) {
    const v = given[field];
    if (v === null || v === undefined) {
      checked[field] = null;
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new Error(`caps.${field} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, or null`);
    }
    checked[field] = v;
  }
  return checked;
}
