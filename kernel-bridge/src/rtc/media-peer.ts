/**
 * MediaPeer: the main-thread handle of one WebRTC video peer whose connection and codecs run in a
 * worker thread (worker/main.ts). One per streamer.
 *
 * Both directions are latest-first (media/latest-slot.ts): a decoded frame waits in one slot for the
 * transform, and a frame to send waits in one gate slot while the worker encodes the previous one.
 * Audio is a bounded queue both ways instead (AUDIO_IN_FLIGHT frames): every 20 ms counts.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { BehaviorSubject, Observable, ReplaySubject, Subject } from 'rxjs';
import { toError } from '../errors';
import { MAX_AUDIO_CHANNELS, MAX_AUDIO_SAMPLES, type AudioFrame } from '../media/audio-frame';
import { I420BufferPool } from '../media/buffer-pool';
import { I420Frame, i420Size, releaseScalers, type Frame } from '../media/frame';
import { LatestGate, LatestSlot } from '../media/latest-slot';
import { perSecond } from './per-second';
import { AUDIO_IN_FLIGHT, checkEncoderCaps } from './protocol';
import type { RecordedFile, RecordTarget } from './record-protocol';
import { rtpTimestampOf, type RtpMapping } from './worker/rtp-clock';
import type {
  CandidateInit,
  PeerAudioCounts,
  EncoderCaps,
  FromWorker,
  IceServerLike,
  LinkStats,
  MediaStats,
  PeerFrameCounts,
  PeerState,
  ToWorker,
  WorkerInit,
  WorkerStatsReport,
} from './protocol';

export interface MediaPeerOptions {
  /** ICE servers; default none (host candidates only). Never defaults to a public STUN server. */
  iceServers?: IceServerLike[];
  codec?: 'VP8';
  /** Extra host addresses to gather candidates on, e.g. ['127.0.0.1'] (loopback is skipped otherwise). */
  hostAddresses?: string[];
  /** Encoder target bitrate, bit/s (default scales with resolution: 0.1 bit/pixel at 30 fps). */
  bitrate?: number;
  /** libvpx threads (default 1). */
  encoderThreads?: number;
  /** Max RTP payload bytes (default 1100). */
  maxPayload?: number;
  /**
   * Decoded frames the worker may post before the main thread has run the transform on them
   * (default 1: the worker then sends its newest frame as soon as the transform is free; more only
   * queues older frames in front of it).
   */
  maxInFlight?: number;
  /** Jitter buffer latency, ms (default 50). */
  jitterLatencyMs?: number;
  /**
   * Once connected, the browser counts as gone when nothing (RTP or RTCP) has come from it for this
   * long; the state then goes 'closed' with closeReason 'the browser went away'. Default
   * LIVENESS_TIMEOUT_MS.
   */
  livenessTimeoutMs?: number;
  /** How long answer() and addRemoteCandidate() wait for the worker's reply (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** Override the worker script (default: lib/rtc/worker/main.js, see resolveWorkerScript). */
  workerScript?: string;
}

export interface SendOptions {
  /**
   * Transfer the frame's buffer to the worker instead of copying it (zero-copy; the buffer then
   * feeds the worker's decode pool). The frame is unusable afterwards (its data is detached).
   * Only used when the frame's data spans its own ArrayBuffer from offset 0; else it is copied.
   */
  transfer?: boolean;
}

/** One encoded VP8 frame for the browser over the kernel transport (streamer/kernel-transport.ts). */
export interface EncodedChunk {
  data: Uint8Array;
  /** Capture time, ms (the frame's timestamp). */
  timestamp: number;
  key: boolean;
}

/** One Opus packet (20 ms) for the browser over the kernel transport. */
export interface EncodedAudioChunk {
  data: Uint8Array;
  /** Capture time, ms. */
  timestamp: number;
}

export type { IceServerLike, CandidateInit, MediaStats, PeerFrameCounts, PeerState };

/** A recording the worker finalised (stopped, or the peer closed): its files; `error` '' when all went well. */
export interface RecordingDone {
  rec: number;
  files: RecordedFile[];
  error: string;
}

/**
 * Finds the compiled worker script. From lib/ (the built package) it sits next to this file; from
 * src/ (ts-jest, which cannot run a worker from TypeScript) we use the build in lib/, so tests
 * build first (`npm test` runs `npm run build` as pretest).
 */
function resolveWorkerScript(): string {
  const candidates = [
    path.join(__dirname, 'worker', 'main.js'),
    path.resolve(__dirname, '..', '..', 'lib', 'rtc', 'worker', 'main.js'),
  ];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(
    `media worker script not found (looked at ${candidates.join(', ')}); build kernel-bridge first (npm run build)`,
  );
}

const SEND_IN_FLIGHT = 1;
const SEND_POOL_CAP = 3;

/**
 * Longest wait for the worker's reply to a request. Answering takes well under a second (gathering
 * no longer holds the answer back, worker/peer.ts) and a candidate a few ms; a worker that has not
 * replied in 10 s is stuck, and whatever waits on it (the streamer's signalling, a Stop) must not
 * wait forever.
 */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A browser that vanishes without a word (tab killed, laptop lid shut) is only noticed by ICE
 * consent freshness after 30 s, with the state 'failed'. A connected browser sends RTCP at least
 * every second and video at the camera's frame rate, so 4 s of silence means it is gone: the
 * resources are released within 5 s and the status reads 'stopped'.
 */
export const LIVENESS_TIMEOUT_MS = 4000;

export class MediaPeer {
  /** Local ICE candidates to trickle to the browser; null = end of candidates. Replays past ones. */
  readonly localCandidates$: Observable<CandidateInit | null>;
  /** Decoded incoming frames (hot). The receiver owns each frame. */
  readonly frames$: Observable<Frame>;
  /** Decoded incoming audio (hot): 20 ms, 48 kHz, mono frames from the browser's microphone. */
  readonly audio$: Observable<AudioFrame>;
  readonly state$: Observable<PeerState>;
  /** ~1 Hz while the worker runs. */
  readonly stats$: Observable<MediaStats>;
  /** Non-fatal errors (bad frame, codec hiccup) and fatal ones (worker crash; state goes 'failed'). */
  readonly errors$: Observable<Error>;
  /** Recordings finalised: after stopRecording(), and each one still running when the peer closes. */
  readonly recordingsDone$: Observable<RecordingDone>;

  /** Kernel transport: encoded frames for the browser (hot); see useChunks(). */
  readonly chunks$: Observable<EncodedChunk>;
  /** Kernel transport: the worker finished one sendChunk() (in order); the browser may send the next. */
  readonly chunkDone$: Observable<void>;
  /** Kernel transport: Opus packets for the browser (hot); see useAudioChunks(). */
  readonly audioChunks$: Observable<EncodedAudioChunk>;
  /** Kernel transport: the worker finished one sendAudioChunk() (in order). */
  readonly audioChunkDone$: Observable<void>;
  /** Kernel transport: the decoder wants a keyframe from the browser. */
  readonly keyframeWanted$: Observable<void>;

  private readonly chunks = new Subject<EncodedChunk>();
  private readonly chunkDone = new Subject<void>();
  private readonly audioChunks = new Subject<EncodedAudioChunk>();
  private readonly audioChunkDone = new Subject<void>();
  private readonly keyframeWanted = new Subject<void>();
  private readonly candidates = new ReplaySubject<CandidateInit | null>();
  private readonly frames = new Subject<Frame>();
  private readonly audio = new Subject<AudioFrame>();
  /** Audio frames from the worker not yet delivered (at most AUDIO_IN_FLIGHT: the worker holds back beyond). */
  private audioQueue: AudioFrame[] = [];
  private audioDeliveryScheduled = false;
  private audioDelivered = 0;
  /** Audio frames posted to the worker and not yet handled there, and the buffers that came back. */
  private audioSending = 0;
  private audioDroppedSend = 0;
  private readonly audioBuffers: ArrayBuffer[] = [];
  private lastAudioTotal: PeerAudioCounts | null = null;
  private readonly state = new BehaviorSubject<PeerState>('new');
  private readonly stats = new Subject<MediaStats>();
  private readonly errors = new Subject<Error>();
  private readonly recordingsDone = new Subject<RecordingDone>();
  /** The worker's outgoing RTP clock mapping (null until it sent a frame): see rtpTimestampOf(). */
  private rtpMapping: RtpMapping | null = null;
  /** Recordings started in the worker and not yet reported done. */
  private readonly recording = new Set<number>();
  private readonly pending = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private readonly requestTimeoutMs: number;
  private reasonClosed: string | null = null;
  private exited = false;
  private closing: Promise<void> | null = null;
  private resolveExit!: () => void;
  private readonly exitedPromise = new Promise<void>((r) => (this.resolveExit = r));

  // receive side: the newest decoded frame not yet handed out; a replaced one is acknowledged at
  // once so the worker may post the next
  private readonly nextFrame = new LatestSlot<Frame>(() => this.post({ t: 'ack' }));
  private deliveryScheduled = false;

  // send side: one frame encoding in the worker, one waiting (newest wins)
  private readonly sendGate = new LatestGate<{ frame: Frame; transfer: boolean }>(SEND_IN_FLIGHT, (w) =>
    this.postFrame(w.frame, w.transfer),
  );
  private readonly sendPool = new I420BufferPool(SEND_POOL_CAP);

  // frame accounting on this side (the worker counts the rest, see PeerFrameCounts)
  private delivered = 0;
  /** Decoded frames refused here (bad size): dropped before the transform like a replaced one. */
  private refused = 0;
  private lastTotal: PeerFrameCounts | null = null;
  private lastLink: LinkStats | null = null;

  /** Worker threads started and not yet exited, all peers together (the streamer keeps spares). */
  static get liveWorkers(): number {
    return liveWorkers;
  }

  private constructor(
    private readonly worker: Worker,
    requestTimeoutMs: number,
  ) {
    this.requestTimeoutMs = requestTimeoutMs;
    this.localCandidates$ = this.candidates.asObservable();
    this.frames$ = this.frames.asObservable();
    this.audio$ = this.audio.asObservable();
    this.state$ = this.state.asObservable();
    this.stats$ = this.stats.asObservable();
    this.errors$ = this.errors.asObservable();
    this.recordingsDone$ = this.recordingsDone.asObservable();
    this.chunks$ = this.chunks.asObservable();
    this.chunkDone$ = this.chunkDone.asObservable();
    this.audioChunks$ = this.audioChunks.asObservable();
    this.audioChunkDone$ = this.audioChunkDone.asObservable();
    this.keyframeWanted$ = this.keyframeWanted.asObservable();
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.fail(toError(e)));
    worker.on('exit', (code) => {
      liveWorkers--;
      this.exited = true;
      this.resolveExit();
      if (!this.closing) this.fail(new Error(`media worker exited unexpectedly (code ${code})`));
      this.finish();
    });
  }

  /**
   * The RTP timestamp the browser sees (or will see) for a sent frame with this `timestamp` (ms):
   * what aligns annotations with their frame in the browser. Null until the worker sent a frame.
   * A frame sent after the mapping's next change (a transform's timestamps going back) may differ.
   */
  rtpTimestampOf(timestamp: number): number | null {
    return this.rtpMapping ? rtpTimestampOf(timestamp, this.rtpMapping) : null;
  }

  /** Starts the worker (werift peer + codecs) and resolves when it is ready. */
  static async create(opts: MediaPeerOptions = {}): Promise<MediaPeer> {
    if (opts.codec !== undefined && opts.codec !== 'VP8') throw new Error(`unsupported codec ${opts.codec}`);
    const init: WorkerInit = {
      iceServers: opts.iceServers ?? [],
      hostAddresses: opts.hostAddresses,
      codec: 'VP8',
      bitrate: opts.bitrate,
      encoderThreads: opts.encoderThreads,
      maxPayload: opts.maxPayload,
      maxInFlight: Math.max(1, opts.maxInFlight ?? 1),
      jitterLatencyMs: opts.jitterLatencyMs ?? 50,
      livenessTimeoutMs: opts.livenessTimeoutMs ?? LIVENESS_TIMEOUT_MS,
    };
    const worker = new Worker(opts.workerScript ?? resolveWorkerScript(), { workerData: init });
    liveWorkers++;
    const peer = new MediaPeer(worker, opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    await new Promise<void>((resolve, reject) => {
      const onMsg = (m: FromWorker) => {
        if (m.t === 'ready') done(null);
      };
      const onErr = (e: unknown) => done(toError(e));
      const onExit = (code: number) => done(new Error(`media worker exited during start (code ${code})`));
      const done = (e: Error | null) => {
        worker.off('message', onMsg);
        worker.off('error', onErr);
        worker.off('exit', onExit);
        if (e) {
          void worker.terminate();
          reject(e);
        } else resolve();
      };
      worker.on('message', onMsg);
      worker.on('error', onErr);
      worker.on('exit', onExit);
    });
    return peer;
  }

  get currentState(): PeerState {
    return this.state.value;
  }

  /** Why the worker ended the connection itself (e.g. 'the browser went away'); null otherwise. */
  get closeReason(): string | null {
    return this.reasonClosed;
  }

  /** Applies the browser's offer; resolves with the answer SDP, rejects with a clear Error. */
  answer(offerSdp: string): Promise<string> {
    if (typeof offerSdp !== 'string' || offerSdp.length === 0) {
      return Promise.reject(new Error('offer SDP must be a non-empty string'));
    }
    return this.request({ t: 'answer', id: 0, sdp: offerSdp });
  }

  /** Adds a remote (browser) ICE candidate; null = end of candidates. */
  async addRemoteCandidate(c: CandidateInit | null): Promise<void> {
    if (c !== null && (typeof c !== 'object' || typeof c.candidate !== 'string')) {
      throw new Error('candidate must be {candidate: string, sdpMid?, sdpMLineIndex?} or null');
    }
    const candidate = c && {
      candidate: c.candidate,
      sdpMid: c.sdpMid ?? null,
      sdpMLineIndex: c.sdpMLineIndex ?? null,
    };
    await this.request({ t: 'candidate', id: 0, candidate });
  }

  /**
   * Encodes and sends a frame back to the browser (VP8). Latest-first: while the worker is still
   * encoding the previous frame, one frame waits; a newer one replaces it (counted as dropped).
   * Do not modify the frame's pixels after calling send (they may be read later).
   */
  send(frame: Frame, options: SendOptions = {}): void {
    if (this.closing || this.exited) return;
    if (!frame || frame.data.byteLength < i420Size(frame.width, frame.height)) {
      this.errors.next(new Error('send(): not an I420 frame of its stated size'));
      return;
    }
    this.sendGate.offer({ frame, transfer: !!options.transfer });
  }

  /**
   * Encodes (Opus) and sends an audio frame to the browser: 48 kHz, 1 or 2 channels; any number of
   * samples (the worker cuts 20 ms frames). A queue, not latest-first: frames are sent in order;
   * only beyond AUDIO_IN_FLIGHT frames waiting for the worker is one dropped (counted). The frame's
   * data is copied: the caller may reuse it.
   */
  sendAudio(frame: AudioFrame): void {
    if (this.closing || this.exited) return;
    if (this.audioSending >= AUDIO_IN_FLIGHT) {
      this.audioDroppedSend++;
      return;
    }
    const bytes = frame.data.byteLength;
    const i = this.audioBuffers.findIndex((b) => b.byteLength >= bytes);
    const buffer = i >= 0 ? this.audioBuffers.splice(i, 1)[0] : new ArrayBuffer(bytes);
    new Float32Array(buffer, 0, frame.data.length).set(frame.data);
    this.audioSending++;
    const { sampleRate, channels, samples, timestamp } = frame;
    this.post({ t: 'audio', sampleRate, channels, samples, timestamp, buffer }, [buffer]);
  }

  /**
   * Switches this peer to the kernel transport: no ICE, no RTP; encoded frames come in through
   * sendChunk() and go out on chunks$ (send() still takes the frames to encode).
   */
  useChunks(): void {
    this.post({ t: 'use_chunks' });
  }

  /** Kernel transport: one encoded VP8 frame from the browser (copied), captured at `timestamp` ms; chunkDone$ follows. */
  sendChunk(data: Uint8Array, timestamp: number): void {
    if (this.closing || this.exited) return;
    const buffer = new ArrayBuffer(data.byteLength);
    new Uint8Array(buffer).set(data);
    this.post({ t: 'chunk_in', buffer, length: data.byteLength, timestamp }, [buffer]);
  }

  /** Kernel transport: the audio sent (sendAudio) goes out as Opus packets on audioChunks$ (the browser plays audio). */
  useAudioChunks(): void {
    this.post({ t: 'use_audio_chunks' });
  }

  /** Kernel transport: one Opus packet from the browser (copied), captured at `timestamp` ms; audioChunkDone$ follows. */
  sendAudioChunk(data: Uint8Array, timestamp: number): void {
    if (this.closing || this.exited) return;
    const buffer = new ArrayBuffer(data.byteLength);
    new Uint8Array(buffer).set(data);
    this.post({ t: 'audio_chunk_in', buffer, length: data.byteLength, timestamp }, [buffer]);
  }

  /** The next frame encoded is a keyframe (the browser's decoder asked, or frames were dropped). */
  forceKeyframe(): void {
    if (!this.closing && !this.exited) this.post({ t: 'keyframe' });
  }

  /**
   * Caps on what is encoded and sent from the next frame on: size (scaled down before encoding),
   * frame rate (frames above it skipped, counted as dropped) and target bitrate (the encoder is
   * re-created, starting with a keyframe). No renegotiation. Throws on caps out of range.
   */
  setCaps(caps: EncoderCaps): void {
    const checked = checkEncoderCaps(caps);
    if (this.closing || this.exited) return;
    this.post({ t: 'caps', caps: checked });
  }

  /**
   * Starts recording `targets` (files opened in the worker: resolves once they are, rejects with
   * the reason they could not be). The worker finalises them on stopRecording() or when the peer
   * closes; either way recordingsDone$ reports the files.
   */
  async startRecording(rec: number, targets: RecordTarget[]): Promise<void> {
    this.recording.add(rec);
    try {
      await this.request({ t: 'record_start', id: 0, rec, targets });
    } catch (e) {
      // A request that timed out may still have opened the files in the worker: finalise them there
      // rather than leave them written to, unlisted (the worker's answer is dropped, being unknown).
      if (!this.exited) this.post({ t: 'record_stop', rec });
      this.recording.delete(rec);
      throw e;
    }
  }

  /** Finalises recording `rec` (recordingsDone$ reports it). */
  stopRecording(rec: number): void {
    if (this.recording.has(rec)) this.post({ t: 'record_stop', rec });
  }

  /** Stops the peer, releases sockets, codecs and the worker. Idempotent; never rejects. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        if (!this.exited) {
          this.post({ t: 'close' });
          // the worker answers 'closed' after pc.close(); don't wait forever for a stuck one
          await Promise.race([
            this.exitedPromise,
            new Promise<void>((r) => {
              const onMsg = (m: FromWorker) => m.t === 'closed' && r();
              this.worker.on('message', onMsg);
              setTimeout(r, 3000).unref();
            }),
          ]);
          await this.worker.terminate().catch(() => undefined);
          await this.exitedPromise;
        }
        this.finish();
      })();
    }
    return this.closing;
  }

  // ---- internals -------------------------------------------------------------------------------
  private postFrame(frame: Frame, transfer: boolean): void {
    const size = i420Size(frame.width, frame.height);
    const data = frame.data;
    let buffer: ArrayBuffer;
    let give: boolean;
    if (transfer && data.byteOffset === 0 && !isShared(data.buffer)) {
      buffer = data.buffer as ArrayBuffer;
      give = true;
    } else {
      buffer = this.sendPool.take(frame.width, frame.height);
      new Uint8Array(buffer, 0, size).set(data.subarray(0, size));
      give = false;
    }
    this.post({ t: 'frame', width: frame.width, height: frame.height, timestamp: frame.timestamp, buffer, give }, [
      buffer,
    ]);
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'frame': {
        let frame: Frame;
        try {
          const size = i420Size(m.width, m.height);
          frame = new I420Frame(m.width, m.height, m.timestamp, new Uint8Array(m.buffer, 0, size));
        } catch (e) {
          // The worker bounds decoded sizes (media/frame.ts decodedSizeProblem); should one still be
          // refused here, it is acknowledged anyway, or the worker would never post another frame.
          this.post({ t: 'ack' });
          this.refused++;
          this.errors.next(new Error(`dropped a decoded frame: ${toError(e).message}`));
          break;
        }
        this.nextFrame.put(frame);
        if (!this.deliveryScheduled) {
          this.deliveryScheduled = true;
          setImmediate(() => this.deliverFrame());
        }
        break;
      }
      case 'audio': {
        const length = m.samples * m.channels;
        const bounded = m.channels >= 1 && m.channels <= MAX_AUDIO_CHANNELS && m.samples <= MAX_AUDIO_SAMPLES;
        if (!bounded || !Number.isInteger(length) || length <= 0 || length * 4 > m.buffer.byteLength) {
          this.post({ t: 'audio_ack', n: 1 });
          break;
        }
        const { sampleRate, channels, samples, timestamp } = m;
        this.audioQueue.push({ sampleRate, channels, samples, timestamp, data: new Float32Array(m.buffer, 0, length) });
        if (!this.audioDeliveryScheduled) {
          this.audioDeliveryScheduled = true;
          setImmediate(() => this.deliverAudio());
        }
        break;
      }
      case 'audio_sent':
        this.audioSending = Math.max(0, this.audioSending - 1);
        if (this.audioBuffers.length < AUDIO_IN_FLIGHT) this.audioBuffers.push(m.buffer);
        break;
      case 'sent': {
        this.sendPool.give(m.buffer);
        if (this.closing) this.sendGate.clear();
        this.sendGate.done();
        break;
      }
      case 'reply': {
        const p = this.pending.get(m.id);
        if (!p) break;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(new Error(m.error));
        break;
      }
      case 'candidate':
        this.candidates.next(m.candidate);
        break;
      case 'state':
        if (m.reason !== undefined && this.reasonClosed === null) this.reasonClosed = m.reason;
        if (this.state.value !== m.state && this.state.value !== 'closed') this.state.next(m.state);
        break;
      case 'stats':
        this.stats.next(this.mediaStats(m.stats));
        break;
      case 'error':
        this.errors.next(new Error(m.message));
        break;
      case 'rtp_mapping':
        // integers from our own worker; checked anyway, a bad one would misplace every overlay
        if (Number.isSafeInteger(m.offset) && Number.isSafeInteger(m.shift)) {
          this.rtpMapping = { offset: m.offset, shift: m.shift };
        }
        break;
      case 'record_done':
        if (this.recording.delete(m.rec)) this.recordingsDone.next({ rec: m.rec, files: m.files, error: m.error });
        break;
      case 'chunk_out':
        this.chunks.next({ data: new Uint8Array(m.buffer), timestamp: m.timestamp, key: m.key });
        break;
      case 'chunk_done':
        this.chunkDone.next();
        break;
      case 'keyframe_wanted':
        this.keyframeWanted.next();
        break;
      case 'audio_chunk_out':
        this.audioChunks.next({ data: new Uint8Array(m.buffer), timestamp: m.timestamp });
        break;
      case 'audio_chunk_done':
        this.audioChunkDone.next();
        break;
      case 'ready':
      case 'closed':
        break;
    }
  }

  /**
   * The worker's report with this side's counts added. Port messages keep their order, so the
   * worker's counts cover exactly the frames it posted before the report, and this side's counts,
   * read now, cannot include any frame posted after it.
   */
  private mediaStats(report: WorkerStatsReport): MediaStats {
    const w = report.total;
    const total: PeerFrameCounts = {
      received: w.received,
      decoded: w.decoded,
      decode_failed: w.decode_failed,
      dropped_worker: w.dropped_worker,
      dropped_main: this.nextFrame.dropped + this.refused,
      delivered: this.delivered,
      dropped_send: w.dropped_send + this.sendGate.dropped,
      encoded: w.encoded,
      sent: w.sent,
    };
    const audioTotal: PeerAudioCounts = {
      ...report.audio,
      delivered: this.audioDelivered,
      dropped_send: report.audio.dropped_send + this.audioDroppedSend,
    };
    const audio = { total: audioTotal, fps: perSecond(audioTotal, this.lastAudioTotal, report.interval_ms) };
    this.lastAudioTotal = audioTotal;
    const link = report.link;
    const bits = (now: number, before: number | undefined) => Math.max(0, now - (before ?? 0)) * 8;
    const stats: MediaStats = {
      interval_ms: report.interval_ms,
      fps_in: report.fps_in,
      fps_out: report.fps_out,
      dropped: report.dropped + this.sendGate.dropped + total.dropped_main,
      decode_ms: report.decode_ms,
      encode_ms: report.encode_ms,
      total,
      fps: perSecond(total, this.lastTotal, report.interval_ms),
      audio,
      // bits per ms = kbit/s
      kbps_in: bits(link.bytes_in, this.lastLink?.bytes_in) / report.interval_ms,
      kbps_out: bits(link.bytes_out, this.lastLink?.bytes_out) / report.interval_ms,
      rtt_ms: link.rtt_ms,
      loss_out: link.loss_out,
      lost_in: link.lost_in,
      encoder_opens: report.encoder_opens,
    };
    this.lastTotal = total;
    this.lastLink = link;
    return stats;
  }

  private request(msg: ToWorker & { id: number }): Promise<string> {
    if (this.closing || this.exited) return Promise.reject(new Error('MediaPeer is closed'));
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the media worker did not reply to '${msg.t}' within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      timer.unref();
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          fn(value);
        };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.post({ ...msg, id } as ToWorker);
    });
  }

  private post(msg: ToWorker, transfer?: ArrayBuffer[]): void {
    if (this.exited) return;
    try {
      this.worker.postMessage(msg, transfer);
    } catch (e) {
      this.errors.next(toError(e));
    }
  }

  /**
   * Hands the newest frame to the subscribers (the notebook's transform) outside the worker port's
   * message handler: Node handles up to 1000 port messages before it returns to the event loop, so
   * a slow transform run there would starve timers, comm messages and the kernel's sockets. The
   * ack comes after the subscribers ran, so meanwhile the worker keeps only its newest frame.
   */
  private deliverFrame(): void {
    this.deliveryScheduled = false;
    const frame = this.nextFrame.take();
    if (!frame || this.closing || this.exited) return;
    this.delivered++;
    try {
      this.frames.next(frame);
    } catch (e) {
      this.errors.next(toError(e));
    }
    this.post({ t: 'ack' });
  }

  /** Hands the queued audio frames to the subscribers in order, outside the port handler (see deliverFrame). */
  private deliverAudio(): void {
    this.audioDeliveryScheduled = false;
    const frames = this.audioQueue;
    this.audioQueue = [];
    if (frames.length === 0 || this.closing || this.exited) return;
    for (const frame of frames) {
      this.audioDelivered++;
      try {
        this.audio.next(frame);
      } catch (e) {
        this.errors.next(toError(e));
      }
    }
    this.post({ t: 'audio_ack', n: frames.length });
  }

  private fail(e: Error): void {
    if (this.state.value === 'closed') return;
    this.errors.next(e);
    if (this.state.value !== 'failed') this.state.next('failed');
    if (!this.closing) void this.close();
  }

  private finish(): void {
    for (const p of this.pending.values()) p.reject(new Error('MediaPeer closed'));
    this.pending.clear();
    // the worker finalises recordings before it says 'closed'; one that ended without (a crash) cannot have
    for (const rec of this.recording) {
      this.recordingsDone.next({ rec, files: [], error: 'the media worker ended before finalising the recording' });
    }
    this.recording.clear();
    this.recordingsDone.complete();
    this.sendGate.clear();
    this.sendPool.clear();
    // the swscale contexts behind toRGBA()/frameFromRGBA() are cached per size; free them with the
    // peer that fed them frames (they are re-created on demand if frames are still converted)
    releaseScalers();
    if (this.state.value !== 'closed') this.state.next('closed');
    this.candidates.complete();
    this.frames.complete();
    this.audio.complete();
    this.stats.complete();
    this.errors.complete();
    this.chunks.complete();
    this.chunkDone.complete();
    this.audioChunks.complete();
    this.audioChunkDone.complete();
    this.keyframeWanted.complete();
    this.state.complete();
  }
}

let liveWorkers = 0;

/** Realm-independent (buffers from a worker belong to another realm under jest). */
function isShared(b: ArrayBufferLike): boolean {
  return Object.prototype.toString.call(b) === '[object SharedArrayBuffer]';
}
