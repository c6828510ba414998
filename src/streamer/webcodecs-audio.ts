/**
 * The kernel transport's audio codecs in a browser (IKernelAudioCodecs over WebCodecs and Chrome's
 * breakout-box tracks): the microphone read (MediaStreamTrackProcessor) and encoded by an
 * AudioEncoder (Opus, 20 ms packets, what the kernel's worker decodes as over WebRTC); the kernel's
 * Opus decoded by an AudioDecoder and written into an audio MediaStreamTrackGenerator, which joins
 * the output stream so the output <video> plays it (and its mute control applies). Video is
 * webcodecs.ts; this file only does audio.
 */
import type { IEncodedAudioLike, IKernelAudioCodecs } from './kernel-audio';

// Chrome's breakout-box tracks for audio: not in TypeScript's DOM library yet.
interface IAudioTrackProcessor {
  readonly readable: ReadableStream<AudioData>;
}
interface IAudioTrackGenerator extends MediaStreamTrack {
  readonly writable: WritableStream<AudioData>;
}
type AudioBreakout = typeof globalThis & {
  MediaStreamTrackProcessor?: new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => IAudioTrackProcessor;
  MediaStreamTrackGenerator?: new (init: { kind: 'audio' }) => IAudioTrackGenerator;
};

/** Opus on the wire is 48 kHz (RFC 7587); the kernel's worker decodes and encodes at that rate. */
const OPUS_SAMPLE_RATE = 48000;
/** 20 ms packets, as browsers send over WebRTC and the kernel encodes. */
const OPUS_FRAME_US = 20_000;
/** The microphone's bitrate, bit/s: speech-quality Opus (~80 bytes a packet). */
const OPUS_BITRATE = 32_000;
/**
 * Microphone buffers waiting for the encoder, and kernel packets waiting for the decoder, at most
 * (8 x 20 ms): beyond, new ones are dropped rather than queued (only a stalled page gets there).
 */
const MAX_CODEC_QUEUE = 8;
/** Channels the kernel's audio is decoded to (its worker sends mono or stereo; libopus mixes either way). */
const OUTPUT_CHANNELS = 2;
/**
 * Most the encoder's packet times may run off the microphone's capture times, µs (2 packets): Chrome's
 * AudioEncoder stamps its packets by counting samples from its first buffer's time, so a gap in what
 * it is given (a buffer dropped here, a switched microphone) would leave every later packet that far
 * early, and the kernel would put the audio that far off the video (docs/design.md, "Kernel transport").
 */
const MAX_STAMP_LAG_US = 40_000;

/**
 * Why this browser cannot carry audio over the kernel transport in `direction` ('send': the
 * microphone, 'receive': the kernel's audio), or null when it can.
 */
export function kernelAudioUnsupported(direction: 'send' | 'receive'): string | null {
  const g = globalThis as AudioBreakout;
  if (direction === 'send' && (typeof g.AudioEncoder === 'undefined' || !g.MediaStreamTrackProcessor)) {
    return 'this browser has no WebCodecs AudioEncoder (or cannot read audio tracks)';
  }
  if (direction === 'receive' && (typeof g.AudioDecoder === 'undefined' || !g.MediaStreamTrackGenerator)) {
    return 'this browser has no WebCodecs AudioDecoder (or cannot make audio tracks)';
  }
  return null;
}

export class WebCodecsKernelAudio implements IKernelAudioCodecs {
  private encoder: AudioEncoder | null = null;
  private encoderFormat = '';
  /** Where the encoder's count of samples puts the next buffer it is given (µs; NaN: a new encoder). */
  private encoderNextUs = NaN;
  private reader: ReadableStreamDefaultReader<AudioData> | null = null;
  private decoder: AudioDecoder | null = null;
  private generator: IAudioTrackGenerator | null = null;
  private writer: WritableStreamDefaultWriter<AudioData> | null = null;
  private closed = false;
  /** The last error said: a codec failing the same way packet after packet is said once in a row. */
  private lastError = '';

  /** `onError`: a codec failed (shown as a notice; video goes on). */
  constructor(private readonly onError: (message: string) => void) {}

  get output(): MediaStreamTrack | null {
    return this.generator;
  }

  encodeMicrophone(track: MediaStreamTrack, onPacket: (packet: IEncodedAudioLike) => void): void {
    const Processor = (globalThis as AudioBreakout).MediaStreamTrackProcessor!;
    void this.reader?.cancel().catch(() => undefined);
    this.reader = new Processor({ track, maxBufferSize: MAX_CODEC_QUEUE }).readable.getReader();
    void this.pump(this.reader, onPacket);
  }

  decode(data: Uint8Array, timestampMs: number): boolean {
    try {
      const decoder = this.decoder && this.decoder.state === 'configured' ? this.decoder : this.openDecoder();
      if (!decoder || decoder.decodeQueueSize >= MAX_CODEC_QUEUE) {
        return false;
      }
      decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: Math.round(timestampMs * 1000), data }));
      return true;
    } catch (error) {
      // a decoder dropped unclosed would hold its resources until garbage collection
      closeCodec(this.decoder);
      this.decoder = null;
      this.say(`could not decode the kernel's audio: ${(error as Error).message}`);
      return false;
    }
  }

  close(): void {
    this.closed = true;
    void this.reader?.cancel().catch(() => undefined);
    this.reader = null;
    closeCodec(this.encoder);
    closeCodec(this.decoder);
    this.encoder = this.decoder = null;
    void this.writer?.close().catch(() => undefined);
    this.generator?.stop();
    this.generator = null;
  }

  /** Reads the microphone and encodes each buffer; beyond MAX_CODEC_QUEUE waiting, new ones are dropped. */
  private async pump(
    reader: ReadableStreamDefaultReader<AudioData>,
    onPacket: (packet: IEncodedAudioLike) => void,
  ): Promise<void> {
    for (;;) {
      let result: ReadableStreamReadResult<AudioData>;
      try {
        result = await reader.read();
      } catch {
        return; // cancelled
      }
      const data = result.value;
      if (result.done || !data) {
        return;
      }
      try {
        if (this.closed || reader !== this.reader) {
          return; // closed, or the microphone was switched
        }
        if (Math.abs(data.timestamp - this.encoderNextUs) > MAX_STAMP_LAG_US) {
          retire(this.encoder); // its count went off the capture times: the next one starts from this buffer
          this.encoder = null;
        }
        const encoder = this.encoderFor(data.sampleRate, data.numberOfChannels, onPacket);
        if (encoder.encodeQueueSize < MAX_CODEC_QUEUE) {
          encoder.encode(data);
          this.encoderNextUs = (this.encoderNextUs >= 0 ? this.encoderNextUs : data.timestamp) + data.duration;
        }
      } catch (error) {
        // a new encoder is made for the next buffer; this one must not be left open
        closeCodec(this.encoder);
        this.encoder = null;
        this.say(`could not encode the microphone: ${(error as Error).message}`);
      } finally {
        data.close();
      }
    }
  }

  /** The encoder for this input format (the microphone's own rate and channels; Opus resamples to 48 kHz). */
  private encoderFor(
    sampleRate: number,
    numberOfChannels: number,
    onPacket: (packet: IEncodedAudioLike) => void,
  ): AudioEncoder {
    const format = `${sampleRate}/${numberOfChannels}`;
    if (this.encoder && this.encoder.state === 'configured' && format === this.encoderFormat) {
      return this.encoder;
    }
    closeCodec(this.encoder);
    this.encoder = null;
    this.encoderNextUs = NaN;
    const encoder = new AudioEncoder({
      output: (chunk) => onPacket(chunk),
      error: (error) => this.say(`the microphone's encoder failed: ${error.message}`),
    });
    try {
      encoder.configure({
        codec: 'opus',
        sampleRate,
        numberOfChannels,
        bitrate: OPUS_BITRATE,
        opus: { frameDuration: OPUS_FRAME_US },
      } as AudioEncoderConfig);
    } catch (error) {
      closeCodec(encoder); // not kept, so closed here or never
      throw error;
    }
    this.encoder = encoder;
    this.encoderFormat = format;
    return encoder;
  }

  /** A decoder (and, the first time, the output track it writes to); null when closed. */
  private openDecoder(): AudioDecoder | null {
    if (this.closed) {
      return null;
    }
    if (!this.generator) {
      const Generator = (globalThis as AudioBreakout).MediaStreamTrackGenerator!;
      this.generator = new Generator({ kind: 'audio' });
      this.writer = this.generator.writable.getWriter();
    }
    closeCodec(this.decoder); // one that is neither configured nor closed yet (reset, or failing)
    this.decoder = null;
    const decoder = new AudioDecoder({
      output: (data) => this.play(data),
      error: (error) => {
        if (this.decoder === decoder) {
          this.decoder = null;
        }
        this.say(`the decoder of the kernel's audio failed: ${error.message}`);
      },
    });
    try {
      decoder.configure({ codec: 'opus', sampleRate: OPUS_SAMPLE_RATE, numberOfChannels: OUTPUT_CHANNELS });
    } catch (error) {
      closeCodec(decoder); // not kept, so closed here or never
      throw error;
    }
    this.decoder = decoder;
    return decoder;
  }

  private say(message: string): void {
    if (message !== this.lastError) {
      this.lastError = message;
      this.onError(message);
    }
  }

  /** Plays a decoded packet; while the track has not taken MAX_CODEC_QUEUE earlier ones, this one is dropped. */
  private play(data: AudioData): void {
    const writer = this.writer;
    if (!writer || this.closed || (writer.desiredSize ?? 1) <= -MAX_CODEC_QUEUE) {
      data.close();
      return;
    }
    writer.write(data).catch(() => data.close());
  }
}

/** Closes a codec not closed yet (a codec that failed may have closed itself). */
/**
 * An encoder replaced while it may still hold input (up to a packet being filled, and what waits in
 * its queue): flushed first, so that audio is still encoded and sent, then closed (close() alone
 * discards it).
 */
function retire(encoder: AudioEncoder | null): void {
  if (!encoder || encoder.state !== 'configured') {
    return closeCodec(encoder);
  }
  const close = () => closeCodec(encoder);
  encoder.flush().then(close, close);
}

function closeCodec(codec: AudioEncoder | AudioDecoder | null): void {
  if (codec && codec.state !== 'closed') {
    codec.close();
  }
}
