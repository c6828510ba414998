/**
 * The kernel transport's browser end (docs/design.md, "Kernel transport"): when UDP cannot pass,
 * the camera goes to the kernel as encoded VP8 frames in `media` messages on the widget's comm, and
 * the kernel's output comes back the same way. This class speaks the protocol (headers, acks,
 * keyframe requests, latest-first with media-credit.ts); the codecs behind IKernelCodecs
 * (webcodecs.ts in a browser, a fake in tests) do the encoding, decoding and showing.
 */
import type { LinkMeter } from './link-meter';
import { MediaCredit } from './media-credit';
import { PendingAck } from './pending-ack';
import {
  IMediaHeader,
  MAX_MEDIA_BYTES,
  MAX_MEDIA_IN_FLIGHT,
  MEDIA_HEADER_BYTES,
  parseMediaHeader,
  writeMediaHeader,
} from './protocol';

/** An encoded frame as WebCodecs gives it (EncodedVideoChunk): timestamp in µs. */
export interface IEncodedChunkLike {
  readonly type: 'key' | 'delta';
  readonly timestamp: number;
  readonly byteLength: number;
  copyTo(destination: Uint8Array): void;
}

/** What the link needs from the codecs: the camera encoded, the kernel's frames decoded and shown. */
export interface IKernelCodecs {
  /**
   * Encodes the camera's frames, newest first: a frame is skipped (never encoded) while the encoder
   * is busy or `admit(encoding)` says no, `encoding` being the frames given to the encoder whose
   * chunk has not come out yet.
   */
  encodeCamera(
    track: MediaStreamTrack,
    onChunk: (chunk: IEncodedChunkLike) => void,
    admit: (encoding: number) => boolean,
  ): void;
  /** The next camera frame encoded is a keyframe. */
  forceKeyframe(): void;
  /** The link's credit changed (an ack, a keyframe request): codecs that cache admit()'s answer read it again. */
  creditChanged?(): void;
  /** Decodes one of the kernel's frames and shows it in `output`; false when it could not be (a keyframe is needed). */
  decode(data: Uint8Array, key: boolean, timestampMs: number): boolean;
  /** Called when the decoder failed after decode() returned (a keyframe is needed). */
  onDecodeError: (() => void) | null;
  /** The kernel's video as a stream (for the output <video>); null until a frame was decoded. */
  readonly output: MediaStream | null;
  close(): void;
}

/** Keyframe requests to the kernel at most this often: each one costs a large frame. */
const KEYFRAME_REQUEST_INTERVAL_MS = 300;

export interface IKernelTransportLinkOptions {
  /** Puts one `media` buffer on the comm. */
  send(buffer: Uint8Array): void;
  codecs: IKernelCodecs;
  /** The kernel's stream became available (once, at its first decoded frame). */
  onOutput(stream: MediaStream): void;
  /** A malformed message from the kernel (each distinct one once in a row). */
  onProblem(message: string): void;
  now?: () => number;
  /** The kernel's `audio` and `audio_ack` messages (kernel-audio.ts); without it they are refused (audio off). */
  onAudio?(header: IMediaHeader, bytes: Uint8Array): void;
  /** Counts the bytes received and times the video frames' acks, for the stats (its owner counts the bytes sent). */
  meter?: LinkMeter;
}

export class KernelTransportLink {
  private readonly credit = new MediaCredit(MAX_MEDIA_IN_FLIGHT);
  private needKeyframe = true;
  private lastKeyframeRequest = -Infinity;
  private lastProblem = '';
  private outputTold = false;
  private closed = false;
  /** Acks of the kernel's frames, riding on the camera's next frame (standalone in recvonly). */
  private readonly pendingAck = new PendingAck((seq) => this.sendControl('ack', seq), false);
  /**
   * Counts for the tests and the stats: kernel frames refused, decoded; camera frames dropped for
   * lack of credit, and because no media message could carry them (over MAX_MEDIA_BYTES).
   */
  readonly counts = { refused: 0, received: 0, dropped_out: 0, oversized_out: 0 };

  constructor(private readonly options: IKernelTransportLinkOptions) {
    options.codecs.onDecodeError = () => {
      this.needKeyframe = true;
      this.requestKeyframe();
    };
  }

  /** Starts sending the camera (null: recvonly, nothing to send). */
  start(track: MediaStreamTrack | null): void {
    if (track) {
      this.pendingAck.setPiggyback(true);
      // Frames the kernel could not take yet are skipped before encoding: a frame dropped after it
      // was encoded costs a keyframe (the next ones reference it), one never encoded costs nothing.
      this.options.codecs.encodeCamera(
        track,
        (chunk) => this.onEncoded(chunk),
        (encoding) => this.credit.inFlight + encoding < MAX_MEDIA_IN_FLIGHT,
      );
    }
  }

  /** One `media` message from the kernel: its buffers (exactly one is valid; DataViews or ArrayBuffers). */
  receive(buffers: readonly unknown[] | undefined): void {
    if (this.closed) {
      return;
    }
    if (!buffers || buffers.length !== 1) {
      return this.refuse(`a media message carries exactly one buffer, not ${buffers?.length ?? 0}`);
    }
    const bytes = asBytes(buffers[0]);
    if (!bytes) {
      return this.refuse('a media buffer must be binary');
    }
    this.options.meter?.countIn(bytes.byteLength);
    const parsed = parseMediaHeader(bytes);
    if (!parsed.ok) {
      return this.refuse(parsed.reason);
    }
    const { header } = parsed;
    if (header.ack !== null) {
      this.takeAck(header.ack);
    }
    if (header.kind === 'audio' || header.kind === 'audio_ack') {
      if (!this.options.onAudio) {
        return this.refuse('audio from the kernel, but audio is off here');
      }
      return this.options.onAudio(header, bytes);
    }
    if (header.kind === 'keepalive') {
      return; // the kernel sends none; harmless
    }
    if (header.kind === 'ack') {
      return this.takeAck(header.seq);
    }
    if (header.kind === 'keyframe_request') {
      this.credit.keyframeRequested();
      this.options.codecs.forceKeyframe();
      this.options.codecs.creditChanged?.();
      return;
    }
    this.counts.received++;
    // acked on taking it (the decoder is quick), in the camera's next frame or alone (pending-ack.ts)
    this.pendingAck.took(header.seq);
    if (this.needKeyframe && !header.key) {
      this.requestKeyframe();
      return;
    }
    const { codecs } = this.options;
    if (!codecs.decode(bytes.subarray(MEDIA_HEADER_BYTES), header.key, header.timestamp)) {
      this.needKeyframe = true;
      this.requestKeyframe();
      return;
    }
    this.needKeyframe = false;
    if (!this.outputTold && codecs.output) {
      this.outputTold = true;
      this.options.onOutput(codecs.output);
    }
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.pendingAck.close();
      this.options.codecs.onDecodeError = null;
      this.options.codecs.close();
    }
  }

  private onEncoded(chunk: IEncodedChunkLike): void {
    if (this.closed) {
      return;
    }
    if (chunk.byteLength < 1 || chunk.byteLength > MAX_MEDIA_BYTES) {
      // The kernel refuses such a message whole, with the ack riding on it: drop the frame before it
      // takes a sequence number or the pending ack. The frames after it reference it: want a keyframe.
      this.counts.oversized_out++;
      this.say(
        `an encoded camera frame of ${chunk.byteLength} bytes cannot go (a media message carries 1 to ${MAX_MEDIA_BYTES}): dropped, asking the encoder for a keyframe`,
      );
      this.credit.keyframeRequested();
      this.options.codecs.forceKeyframe();
      return;
    }
    const offered = this.credit.offer(chunk.type === 'key');
    if (offered === 'drop_want_keyframe') {
      this.options.codecs.forceKeyframe();
    }
    if (offered !== 'send') {
      this.counts.dropped_out++;
      return;
    }
    const buffer = new Uint8Array(MEDIA_HEADER_BYTES + chunk.byteLength);
    const ms = chunk.timestamp / 1000;
    writeMediaHeader(
      buffer,
      'video',
      this.credit.lastSeq,
      chunk.type === 'key',
      Number.isFinite(ms) && ms > 0 ? ms : 0,
      this.pendingAck.take(),
    );
    chunk.copyTo(buffer.subarray(MEDIA_HEADER_BYTES));
    this.options.meter?.frameSent(this.credit.lastSeq); // before: an ack may come back within send() (a test's fake)
    this.options.send(buffer);
  }

  private requestKeyframe(): void {
    const now = (this.options.now ?? (() => performance.now()))();
    if (now - this.lastKeyframeRequest < KEYFRAME_REQUEST_INTERVAL_MS) {
      return;
    }
    this.lastKeyframeRequest = now;
    this.pendingAck.flushNow(); // in order: the ack of the frame that showed the need goes first
    this.sendControl('keyframe_request', 0);
  }

  /** The kernel acknowledged its frame `seq` (and every older one in flight). */
  private takeAck(seq: number): void {
    if (this.credit.ack(seq)) {
      this.options.meter?.frameAcked(seq);
    } else {
      this.refuse(`an ack of frame ${seq}, which is not in flight`);
    }
    this.options.codecs.creditChanged?.();
  }

  private sendControl(kind: 'ack' | 'keyframe_request', seq: number): void {
    const buffer = new Uint8Array(MEDIA_HEADER_BYTES);
    writeMediaHeader(buffer, kind, seq);
    this.options.send(buffer);
  }

  private refuse(message: string): void {
    this.counts.refused++;
    this.say(message);
  }

  /** Reports a problem, each distinct one once in a row. */
  private say(message: string): void {
    if (message !== this.lastProblem) {
      this.lastProblem = message;
      this.options.onProblem(`kernel transport: ${message}`);
    }
  }
}

/** A comm buffer (DataView, typed array or ArrayBuffer) as bytes; null for anything else. */
function asBytes(buffer: unknown): Uint8Array | null {
  if (buffer instanceof Uint8Array) {
    return buffer;
  }
  if (ArrayBuffer.isView(buffer)) {
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  if (buffer instanceof ArrayBuffer) {
    return new Uint8Array(buffer);
  }
  return null;
}
