/**
 * The kernel transport's kernel end (docs/design.md, "Kernel transport"): when UDP cannot pass, the
 * browser sends its camera as encoded VP8 frames in `media` messages on the widget's comm, and gets
 * the transform's frames back the same way. This class checks each incoming buffer, hands the VP8
 * frames to the media worker (which decodes them into the same frames$ as WebRTC does), acks each
 * once decoded, and sends the worker's encoded frames latest-first (media-credit.ts). The notebook's
 * frames$ / transform() cannot tell the difference.
 */
import type { Observable } from 'rxjs';
import { Subscription } from 'rxjs';
import type { EncodedChunk } from '../rtc/media-peer';
import { MediaCredit } from './media-credit';
import {
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
}

export interface KernelTransportCounts {
  /** Browser frames refused: malformed, over the limits, or beyond the allowed in-flight count. */
  refused: number;
  /** Encoded frames for the browser dropped because it had not acknowledged enough (latest-first). */
  dropped_out: number;
}

export class KernelTransportLink {
  private readonly credit = new MediaCredit(MAX_MEDIA_IN_FLIGHT);
  /** Sequence numbers of the browser's frames the worker is decoding, oldest first. */
  private readonly decoding: number[] = [];
  private expectedSeq: number | null = null;
  private readonly subscriptions = new Subscription();
  private lastProblem = '';
  private refused = 0;

  /**
   * `send` puts one `media` buffer on the comm; `problem` reports a misbehaving browser (each
   * distinct problem once in a row).
   */
  constructor(
    private readonly peer: ChunkPeer,
    private readonly send: (buffer: Uint8Array) => void,
    private readonly problem: (message: string) => void,
  ) {
    this.subscriptions.add(peer.chunkDone$.subscribe(() => this.onDecoded()));
    this.subscriptions.add(peer.keyframeWanted$.subscribe(() => this.sendControl('keyframe_request', 0)));
    this.subscriptions.add(peer.chunks$.subscribe((chunk) => this.onEncoded(chunk)));
  }

  get counts(): KernelTransportCounts {
    return { refused: this.refused, dropped_out: this.credit.dropped };
  }

  /** One `media` message from the browser: its buffers (exactly one is valid). */
  receive(buffers: readonly Uint8Array[]): void {
    if (buffers.length !== 1) return this.refuse(`a media message carries exactly one buffer, not ${buffers.length}`);
    const bytes = buffers[0];
    let header;
    try {
      header = parseMediaHeader(bytes);
    } catch (error) {
      return this.refuse((error as Error).message);
    }
    switch (header.kind) {
      case 'ack':
        if (!this.credit.ack(header.seq)) this.refuse(`an ack of frame ${header.seq}, which is not in flight`);
        return;
      case 'keyframe_request':
        this.credit.keyframeRequested();
        this.peer.forceKeyframe();
        return;
      case 'video':
        break;
    }
    if (this.expectedSeq !== null && header.seq !== this.expectedSeq) {
      this.problem(`kernel transport: frame ${header.seq} came where ${this.expectedSeq} was due`);
    }
    this.expectedSeq = (header.seq + 1) >>> 0;
    if (this.decoding.length >= MAX_MEDIA_IN_FLIGHT) {
      // over its credit: acked (it must not stall) but not decoded, so the decoder needs a keyframe
      this.refuse(`more than ${MAX_MEDIA_IN_FLIGHT} frames in flight`);
      this.sendControl('ack', header.seq);
      this.sendControl('keyframe_request', 0);
      return;
    }
    this.decoding.push(header.seq);
    this.peer.sendChunk(bytes.subarray(MEDIA_HEADER_BYTES), header.timestamp);
  }

  close(): void {
    this.subscriptions.unsubscribe();
  }

  private onDecoded(): void {
    const seq = this.decoding.shift();
    if (seq !== undefined) this.sendControl('ack', seq);
  }

  private onEncoded(chunk: EncodedChunk): void {
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
    );
    buffer.set(chunk.data, MEDIA_HEADER_BYTES);
    this.send(buffer);
  }

  private sendControl(kind: Exclude<MediaKind, 'video'>, seq: number): void {
    const buffer = new Uint8Array(MEDIA_HEADER_BYTES);
    writeMediaHeader(buffer, kind, seq);
    this.send(buffer);
  }

  private refuse(message: string): void {
    this.refused++;
    if (message === this.lastProblem) return;
    this.lastProblem = message;
    this.problem(`kernel transport: ${message}`);
  }
}
