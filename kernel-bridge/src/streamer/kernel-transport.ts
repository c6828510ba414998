/**
 * The kernel transport's kernel end (docs/design.md, "Kernel transport"): when UDP cannot pass, the
 * browser sends its camera as encoded VP8 frames in `media` messages on the widget's comm, and gets
 * the transform's frames back the same way. This class checks each incoming buffer, hands the VP8
 * frames to the media worker (which decodes them into the same frames$ as WebRTC does), acks each
 * once decoded, and sends the worker's encoded frames latest-first (media-credit.ts). The notebook's
 * frames$ / transform() cannot tell the difference. Audio likewise: the browser's Opus packets to
 * the worker's decoder (audio$), the worker's Opus packets to the browser, both bounded
 * (audio-credit.ts). Every message from the browser, a `keepalive` too, tells the streamer's
 * Liveness it is there.
 */
import type { Observable } from 'rxjs';
import { Subscription } from 'rxjs';
import type { EncodedAudioChunk, EncodedChunk } from '../rtc/media-peer';
import { AudioAcker, AudioCredit } from './audio-credit';
import { LinkMeter } from './link-meter';
import { MediaCredit } from './media-credit';
import { PendingAck } from './pending-ack';
import {
  AUDIO_ACK_EVERY,
  MAX_AUDIO_IN_FLIGHT,
  MAX_MEDIA_BYTES,
  MAX_MEDIA_IN_FLIGHT,
  MEDIA_HEADER_BYTES,
  parseMediaHeader,
  writeMediaHeader,
  type MediaKind,
} from './protocol';

/** The part of MediaPeer the link uses (tests pass a fake). */
export interface ChunkPeer {
  readonly chunks$: Observable<EncodedChunk>;
  readonly chunkDone$: Observable<void>;
  readonly keyframeWanted$: Observable<void>;
  sendChunk(data: Uint8Array, timestamp: number): void;
  forceKeyframe(): void;
  readonly audioChunks$: Observable<EncodedAudioChunk>;
  readonly audioChunkDone$: Observable<void>;
  sendAudioChunk(data: Uint8Array, timestamp: number): void;
}

/** Which audio this session carries: `in` the browser's microphone, `out` the kernel's audio to the browser. */
export interface KernelTransportAudio {
  in: boolean;
  out: boolean;
}

export interface KernelTransportCounts {
  /** Browser frames refused: malformed, over the limits, or beyond the allowed in-flight count. */
  refused: number;
  /** Encoded frames for the browser dropped because it had not acknowledged enough (latest-first). */
  dropped_out: number;
  /** Opus packets for the browser dropped because it had not acknowledged enough. */
  audio_dropped_out: number;
  /** Encoded frames for the browser dropped because no media message can carry them (over MAX_MEDIA_BYTES). */
  oversized_out: number;
}

export class KernelTransportLink {
  private readonly credit = new MediaCredit(MAX_MEDIA_IN_FLIGHT);
  /** Sequence numbers of the browser's frames the worker is decoding, oldest first. */
  private readonly decoding: number[] = [];
  private expectedSeq: number | null = null;
  private readonly subscriptions = new Subscription();
  private lastProblem = '';
  private refused = 0;
  private oversized = 0;
  private readonly audioCredit = new AudioCredit(MAX_AUDIO_IN_FLIGHT);
  private readonly audioAcker = new AudioAcker(AUDIO_ACK_EVERY);
  /** Sequence numbers of the browser's audio packets the worker is decoding, oldest first. */
  private readonly audioDecoding: number[] = [];
  /** Acks of the browser's frames, riding on our next frame (standalone when we send no video). */
  private readonly pendingAck: PendingAck;
  /** Bytes each way and the ack round trip, for the stats (link-meter.ts). */
  readonly meter = new LinkMeter();
  private readonly send: (buffer: Uint8Array) => void;

  /**
   * `send` puts one `media` buffer on the comm; `problem` reports a misbehaving browser (each
   * distinct problem once in a row); `videoOut` false when we send the browser no video (sendonly),
   * so nothing could carry our acks.
   */
  constructor(
    private readonly peer: ChunkPeer,
    send: (buffer: Uint8Array) => void,
    private readonly problem: (message: string) => void,
    private readonly audio: KernelTransportAudio = { in: false, out: false },
    videoOut = true,
  ) {
    this.send = (buffer) => {
      this.meter.countOut(buffer.byteLength);
      send(buffer);
    };
    this.pendingAck = new PendingAck((seq) => this.sendControl('ack', seq), videoOut);
    this.subscriptions.add(peer.chunkDone$.subscribe(() => this.onDecoded()));
    this.subscriptions.add(peer.audioChunkDone$.subscribe(() => this.onAudioDecoded()));
    if (audio.out) this.subscriptions.add(peer.audioChunks$.subscribe((chunk) => this.onAudioEncoded(chunk)));
    this.subscriptions.add(
      peer.keyframeWanted$.subscribe(() => {
        this.pendingAck.flushNow();
        this.sendControl('keyframe_request', 0);
      }),
    );
    this.subscriptions.add(peer.chunks$.subscribe((chunk) => this.onEncoded(chunk)));
  }

  get counts(): KernelTransportCounts {
    return {
      refused: this.refused,
      dropped_out: this.credit.dropped,
      audio_dropped_out: this.audioCredit.dropped,
      oversized_out: this.oversized,
    };
  }

  /** One `media` message from the browser: its buffers (exactly one is valid). */
  receive(buffers: readonly Uint8Array[]): void {
    if (buffers.length !== 1) return this.refuse(`a media message carries exactly one buffer, not ${buffers.length}`);
    const bytes = buffers[0];
    this.meter.countIn(bytes.byteLength);
    let header;
    try {
      header = parseMediaHeader(bytes);
    } catch (error) {
      return this.refuse((error as Error).message);
    }
    if (header.ack !== null) this.takeAck(header.ack);
    switch (header.kind) {
      case 'ack':
        return this.takeAck(header.seq);
      case 'keyframe_request':
        this.credit.keyframeRequested();
        this.peer.forceKeyframe();
        return;
      case 'keepalive':
        return; // only says the browser is there (the streamer's Liveness heard it)
      case 'audio':
        return this.receiveAudio(bytes, header.seq, header.timestamp);
      case 'audio_ack':
        if (!this.audioCredit.ack(header.seq))
          this.refuse(`an audio ack of packet ${header.seq}, which is not in flight`);
        return;
      case 'video':
        break;
    }
    if (this.expectedSeq !== null && header.seq !== this.expectedSeq) {
      this.problem(`kernel transport: frame ${header.seq} came where ${this.expectedSeq} was due`);
    }
    this.expectedSeq = (header.seq + 1) >>> 0;
    if (this.decoding.length >= MAX_MEDIA_IN_FLIGHT) {
      // Over its credit: neither decoded nor acked. Acks are cumulative, so acking it now would also
      // free the frames still being decoded, whose own acks the browser would then refuse. The
      // browser's credit frees it with the next decoded frame's ack; its decoder needs a keyframe.
      this.refuse(`more than ${MAX_MEDIA_IN_FLIGHT} frames in flight`);
      this.sendControl('keyframe_request', 0);
      return;
    }
    this.decoding.push(header.seq);
    this.peer.sendChunk(bytes.subarray(MEDIA_HEADER_BYTES), header.timestamp);
  }

  close(): void {
    this.subscriptions.unsubscribe();
    this.pendingAck.close();
  }

  /** The browser acknowledged our frame `seq` (and every older one in flight). */
  private takeAck(seq: number): void {
    if (this.credit.ack(seq)) this.meter.frameAcked(seq);
    else this.refuse(`an ack of frame ${seq}, which is not in flight`);
  }

  private receiveAudio(bytes: Uint8Array, seq: number, timestamp: number): void {
    if (!this.audio.in) {
      return this.refuse('audio from the browser, but this stream takes none (audio off, or mode recvonly)');
    }
    if (this.audioDecoding.length >= MAX_AUDIO_IN_FLIGHT) {
      return this.refuse(`more than ${MAX_AUDIO_IN_FLIGHT} audio packets in flight`);
    }
    this.audioDecoding.push(seq);
    this.peer.sendAudioChunk(bytes.subarray(MEDIA_HEADER_BYTES), timestamp);
  }

  /** The worker decoded the oldest audio packet: every AUDIO_ACK_EVERY-th is acked (cumulative). */
  private onAudioDecoded(): void {
    const seq = this.audioDecoding.shift();
    if (seq !== undefined && this.audioAcker.took()) this.sendControl('audio_ack', seq);
  }

  private onAudioEncoded(chunk: EncodedAudioChunk): void {
    const seq = this.audioCredit.offer();
    if (seq === null) return;
    const buffer = new Uint8Array(MEDIA_HEADER_BYTES + chunk.data.byteLength);
    writeMediaHeader(
      buffer,
      'audio',
      seq,
      false,
      Number.isFinite(chunk.timestamp) && chunk.timestamp > 0 ? chunk.timestamp : 0,
    );
    buffer.set(chunk.data, MEDIA_HEADER_BYTES);
    this.send(buffer);
  }

  private onDecoded(): void {
    const seq = this.decoding.shift();
    if (seq !== undefined) this.pendingAck.took(seq);
  }

  private onEncoded(chunk: EncodedChunk): void {
    if (chunk.data.byteLength < 1 || chunk.data.byteLength > MAX_MEDIA_BYTES) {
      // The browser refuses such a message whole, with the ack riding on it: drop the frame before it
      // takes a sequence number or the pending ack. The frames after it reference it: want a keyframe.
      this.oversized++;
      this.say(
        `an encoded frame of ${chunk.data.byteLength} bytes cannot go (a media message carries 1 to ${MAX_MEDIA_BYTES}): dropped, asking the encoder for a keyframe`,
      );
      this.credit.keyframeRequested();
      this.peer.forceKeyframe();
      return;
    }
    const offered = this.credit.offer(chunk.key);
    if (offered === 'drop_want_keyframe') this.peer.forceKeyframe();
    if (offered !== 'send') return;
    const buffer = new Uint8Array(MEDIA_HEADER_BYTES + chunk.data.byteLength);
    writeMediaHeader(
      buffer,
      'video',
      this.credit.lastSeq,
      chunk.key,
      Number.isFinite(chunk.timestamp) && chunk.timestamp > 0 ? chunk.timestamp : 0,
      this.pendingAck.take(),
    );
    buffer.set(chunk.data, MEDIA_HEADER_BYTES);
    this.meter.frameSent(this.credit.lastSeq); // before: an ack may come back within send() (a test's fake)
    this.send(buffer);
  }

  private sendControl(kind: Exclude<MediaKind, 'video' | 'audio'>, seq: number): void {
    const buffer = new Uint8Array(MEDIA_HEADER_BYTES);
    writeMediaHeader(buffer, kind, seq);
    this.send(buffer);
  }

  private refuse(message: string): void {
    this.refused++;
    this.say(message);
  }

  /** Reports a problem, each distinct one once in a row. */
  private say(message: string): void {
    if (message === this.lastProblem) return;
    this.lastProblem = message;
    this.problem(`kernel transport: ${message}`);
  }
}
