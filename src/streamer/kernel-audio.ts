/**
 * The kernel transport's audio, browser end (docs/design.md, "Kernel transport"): the microphone
 * goes to the kernel as Opus packets in `audio` media messages, the kernel's audio comes back the
 * same way. Kept apart from kernel-transport.ts (video) because audio flows differently: no
 * keyframes, no per-packet ack; the receiver acks every AUDIO_ACK_EVERY packets (cumulative) and
 * the sender keeps at most MAX_AUDIO_IN_FLIGHT unacknowledged (audio-credit.ts). The codecs behind
 * IKernelAudioCodecs (webcodecs-audio.ts in a browser, a fake in tests) encode, decode and play.
 */
import { AudioAcker, AudioCredit } from './audio-credit';
import {
  AUDIO_ACK_EVERY,
  IMediaHeader,
  MAX_AUDIO_IN_FLIGHT,
  MAX_AUDIO_MEDIA_BYTES,
  MEDIA_HEADER_BYTES,
  writeMediaHeader,
} from './protocol';

/** An encoded audio packet as WebCodecs gives it (EncodedAudioChunk): timestamp in µs. */
export interface IEncodedAudioLike {
  readonly timestamp: number;
  readonly byteLength: number;
  copyTo(destination: Uint8Array): void;
}

/** What the audio link needs from the codecs. */
export interface IKernelAudioCodecs {
  /** Encodes the microphone (Opus, 20 ms packets); called again for a switched microphone. */
  encodeMicrophone(track: MediaStreamTrack, onPacket: (packet: IEncodedAudioLike) => void): void;
  /** Decodes one of the kernel's Opus packets and plays it on `output`; false when it could not be. */
  decode(data: Uint8Array, timestampMs: number): boolean;
  /** The kernel's audio as a track; null until a packet was decoded. */
  readonly output: MediaStreamTrack | null;
  close(): void;
}

export interface IKernelAudioLinkOptions {
  /** Puts one `media` buffer on the comm. */
  send(buffer: Uint8Array): void;
  codecs: IKernelAudioCodecs;
  /** The kernel's audio track became available (once, at its first decoded packet). */
  onOutput(track: MediaStreamTrack): void;
  /** A problem with the kernel's audio messages (each distinct one once in a row). */
  onProblem(message: string): void;
}

export class KernelAudioLink {
  private readonly credit = new AudioCredit(MAX_AUDIO_IN_FLIGHT);
  private readonly acker = new AudioAcker(AUDIO_ACK_EVERY);
  private outputTold = false;
  private lastProblem = '';
  private closed = false;
  /** Counts for the tests: kernel packets refused and played; microphone packets dropped for lack of credit. */
  readonly counts = { refused: 0, received: 0, dropped_out: 0 };

  constructor(private readonly options: IKernelAudioLinkOptions) {}

  /** Starts (or, with a new microphone, switches) sending the microphone. */
  start(track: MediaStreamTrack): void {
    this.options.codecs.encodeMicrophone(track, (packet) => this.onEncoded(packet));
  }

  /** An `audio` or `audio_ack` media message from the kernel (header checked by parseMediaHeader). */
  receive(header: IMediaHeader, bytes: Uint8Array): void {
    if (this.closed) {
      return;
    }
    if (header.kind === 'audio_ack') {
      if (!this.credit.ack(header.seq)) {
        this.refuse(`an audio ack of packet ${header.seq}, which is not in flight`);
      }
      return;
    }
    this.counts.received++;
    // acked on receipt (the decoder is quick and drops beyond its own bound)
    if (this.acker.took()) {
      const ack = new Uint8Array(MEDIA_HEADER_BYTES);
      writeMediaHeader(ack, 'audio_ack', header.seq);
      this.options.send(ack);
    }
    const { codecs } = this.options;
    if (codecs.decode(bytes.subarray(MEDIA_HEADER_BYTES), header.timestamp) && !this.outputTold && codecs.output) {
      this.outputTold = true;
      this.options.onOutput(codecs.output);
    }
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.options.codecs.close();
    }
  }

  private onEncoded(packet: IEncodedAudioLike): void {
    if (this.closed || packet.byteLength < 1 || packet.byteLength > MAX_AUDIO_MEDIA_BYTES) {
      return; // an Opus packet of 20 ms is never larger; the kernel would refuse it
    }
    const seq = this.credit.offer();
    if (seq === null) {
      this.counts.dropped_out++;
      return;
    }
    const buffer = new Uint8Array(MEDIA_HEADER_BYTES + packet.byteLength);
    const ms = packet.timestamp / 1000;
    writeMediaHeader(buffer, 'audio', seq, false, Number.isFinite(ms) && ms > 0 ? ms : 0);
    packet.copyTo(buffer.subarray(MEDIA_HEADER_BYTES));
    this.options.send(buffer);
  }

  private refuse(message: string): void {
    this.counts.refused++;
    if (message !== this.lastProblem) {
      this.lastProblem = message;
      this.options.onProblem(`kernel transport: ${message}`);
    }
  }
}
