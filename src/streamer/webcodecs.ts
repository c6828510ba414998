/**
 * The kernel transport's codecs in a browser (IKernelCodecs over WebCodecs and Chrome's
 * breakout-box tracks): the camera track read frame by frame (MediaStreamTrackProcessor), encoded
 * by a VideoEncoder (VP8, realtime, bounded bitrate); the kernel's frames decoded by a VideoDecoder
 * and written into a MediaStreamTrackGenerator, whose stream plays in the same <video> as WebRTC's
 * (so the stats overlay, annotations and snapshots keep working).
 */
import type { IEncodedChunkLike, IKernelCodecs } from './kernel-transport';

// Chrome's breakout-box tracks: not in TypeScript's DOM library yet.
interface ITrackProcessor {
  readonly readable: ReadableStream<VideoFrame>;
}
interface ITrackGenerator extends MediaStreamTrack {
  readonly writable: WritableStream<VideoFrame>;
}
type Breakout = typeof globalThis & {
  MediaStreamTrackProcessor?: new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => ITrackProcessor;
  MediaStreamTrackGenerator?: new (init: { kind: 'video' }) => ITrackGenerator;
};

/** Why this browser cannot run the kernel transport, or null when it can. */
export function kernelTransportUnsupported(): string | null {
  const g = globalThis as Breakout;
  if (typeof g.VideoEncoder === 'undefined' || typeof g.VideoDecoder === 'undefined') {
    return 'this browser has no WebCodecs (VideoEncoder/VideoDecoder)';
  }
  if (!g.MediaStreamTrackProcessor || !g.MediaStreamTrackGenerator) {
    return 'this browser cannot read or make video tracks (MediaStreamTrackProcessor/Generator)';
  }
  return null;
}

/** The camera's bitrate when the quality setting gives none: 0.1 bit per pixel at 30 fps, as the kernel's encoder. */
function defaultBitrate(width: number, height: number): number {
  return Math.max(200_000, Math.round(width * height * 30 * 0.1));
}

/** Highest bitrate used, bit/s: what a websocket through a proxy should be asked to carry at most. */
const MAX_BITRATE = 4_000_000;

/**
 * A frame given to the encoder with no output this long after (about 2 frame periods at 30 fps,
 * far beyond a realtime VP8 encode) was dropped: in latencyMode 'realtime' Chrome may drop a frame
 * without calling `output`, and waiting for it would skip every later frame.
 */
export const ENCODE_STALL_MS = 100;

/** The camera's frames as a stream: one buffered, so when we are slow the newest waits and Chrome drops older ones. */
export function cameraFrames(track: MediaStreamTrack): ReadableStream<VideoFrame> {
  const Processor = (globalThis as Breakout).MediaStreamTrackProcessor!;
  return new Processor({ track, maxBufferSize: 1 }).readable;
}

/** A video track fed by a stream of frames (the codec worker writes into it). */
export function outputTrack(): { track: MediaStreamTrack; frames: WritableStream<VideoFrame> } {
  const Generator = (globalThis as Breakout).MediaStreamTrackGenerator!;
  const track = new Generator({ kind: 'video' });
  return { track, frames: track.writable };
}

export class WebCodecsKernelCodecs implements IKernelCodecs {
  onDecodeError: (() => void) | null = null;
  private encoder: VideoEncoder | null = null;
  private encoderSize = '';
  /** Frames given to the encoder whose chunk has not come out yet. */
  private encoding = 0;
  /** The last frame given to the encoder: its timestamp (µs) and when it was given (performance.now(), ms). */
  private pendingTimestamp = 0;
  private pendingSince = 0;
  /** The bitrate the encoder was configured with (a quality change reconfigures it). */
  private encoderBitrate = 0;
  private wantKeyframe = true;
  private reader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  private decoder: VideoDecoder | null = null;
  private generator: ITrackGenerator | null = null;
  private writer: WritableStreamDefaultWriter<VideoFrame> | null = null;
  private stream: MediaStream | null = null;
  private closed = false;

  /**
   * `bitrate`: the quality setting's, bit/s (null: the default for the size); `onError`: a codec
   * failed; `outputSink`: where decoded frames go (in the codec worker: the page's generator's,
   * transferred), by default a MediaStreamTrackGenerator made here.
   */
  constructor(
    private readonly bitrate: () => number | null,
    private readonly onError: (message: string) => void,
    private readonly outputSink: WritableStream<VideoFrame> | null = null,
  ) {}

  get output(): MediaStream | null {
    return this.stream;
  }

  encodeCamera(
    track: MediaStreamTrack,
    onChunk: (chunk: IEncodedChunkLike) => void,
    admit: (encoding: number) => boolean,
  ): void {
    this.encodeFrames(cameraFrames(track), onChunk, admit);
  }

  /** encodeCamera() on the camera's frames as a stream (how the codec worker gets them). */
  encodeFrames(
    frames: ReadableStream<VideoFrame>,
    onChunk: (chunk: IEncodedChunkLike) => void,
    admit: (encoding: number) => boolean,
  ): void {
    // Called again for a switched camera: the old camera's reader is let go, and the new camera's
    // first frame is a keyframe (the kernel's decoder cannot go on from the old camera's frames).
    void this.reader?.cancel().catch(() => undefined);
    this.wantKeyframe = true;
    this.reader = frames.getReader();
    void this.pump(this.reader, onChunk, admit);
  }

  forceKeyframe(): void {
    this.wantKeyframe = true;
  }

  decode(data: Uint8Array, key: boolean, timestampMs: number): boolean {
    if (this.closed) {
      return false;
    }
    const decoder = this.decoder && this.decoder.state === 'configured' ? this.decoder : this.openDecoder();
    if (!decoder) {
      return false;
    }
    try {
      decoder.decode(
        new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp: Math.round(timestampMs * 1000), data }),
      );
      return true;
    } catch {
      // a delta frame first, or a closed decoder: a fresh decoder waits for a keyframe
      this.decoder = null;
      return false;
    }
  }

  close(): void {
    this.closed = true;
    void this.reader?.cancel().catch(() => undefined);
    this.reader = null;
    for (const codec of [this.encoder, this.decoder]) {
      if (codec && codec.state !== 'closed') {
        codec.close();
      }
    }
    this.encoder = this.decoder = null;
    void this.writer?.close().catch(() => undefined);
    this.generator?.stop();
    this.generator = null;
  }

  /** Reads the camera and encodes each frame, skipping those that arrive while the encoder is busy. */
  private async pump(
    reader: ReadableStreamDefaultReader<VideoFrame>,
    onChunk: (chunk: IEncodedChunkLike) => void,
    admit: (encoding: number) => boolean,
  ): Promise<void> {
    for (;;) {
      let result: ReadableStreamReadResult<VideoFrame>;
      try {
        result = await reader.read();
      } catch {
        return; // cancelled
      }
      const frame = result.value;
      if (result.done || !frame) {
        return;
      }
      try {
        if (this.closed || reader !== this.reader) {
          return; // closed, or the camera was switched: this frame is the old camera's
        }
        const encoder = this.encoderFor(frame.displayWidth, frame.displayHeight, onChunk);
        if (this.encoding > 0 && performance.now() - this.pendingSince > ENCODE_STALL_MS) {
          this.encoding = 0; // dropped inside the encoder: its output will never come
        }
        // One frame in the encoder at a time: WebCodecs takes frames at once (encodeQueueSize stays
        // 0) and queues them inside, so a frame given while another is encoding only waits there
        // (under load the output came 200-700 ms after encode() with 3 frames waiting).
        if (encoder.encodeQueueSize > 0 || this.encoding > 0 || !admit(this.encoding)) {
          continue; // busy, or the kernel has not taken enough: skipped, the next one is newer
        }
        this.encoding++;
        this.pendingTimestamp = frame.timestamp;
        this.pendingSince = performance.now();
        const keyFrame = this.wantKeyframe;
        this.wantKeyframe = false;
        encoder.encode(frame, { keyFrame });
      } catch (error) {
        this.onError(`could not encode the camera: ${(error as Error).message}`);
        this.encoder = null;
      } finally {
        frame.close();
      }
    }
  }

  /** The encoder for frames of this size (a new size opens a new one, starting with a keyframe). */
  private encoderFor(width: number, height: number, onChunk: (chunk: IEncodedChunkLike) => void): VideoEncoder {
    const size = `${width}x${height}`;
    const bitrate = Math.min(MAX_BITRATE, this.bitrate() ?? defaultBitrate(width, height));
    if (this.encoder && this.encoder.state === 'configured' && size === this.encoderSize) {
      if (bitrate !== this.encoderBitrate) {
        this.encoder.configure(this.encoderConfig(width, height, bitrate)); // a quality change: same encoder
        this.encoderBitrate = bitrate;
      }
      return this.encoder;
    }
    if (this.encoder && this.encoder.state !== 'closed') {
      this.encoder.close();
    }
    this.encoding = 0;
    const encoder = new VideoEncoder({
      output: (chunk) => {
        // the pending frame's chunk, or a later one (the pending frame was dropped): nothing is encoding
        this.encoding = chunk.timestamp >= this.pendingTimestamp ? 0 : Math.max(0, this.encoding - 1);
        onChunk(chunk);
      },
      error: (error) => this.onError(`the camera's encoder failed: ${error.message}`),
    });
    encoder.configure(this.encoderConfig(width, height, bitrate));
    this.encoderBitrate = bitrate;
    this.encoder = encoder;
    this.encoderSize = size;
    this.wantKeyframe = true;
    return encoder;
  }

  private encoderConfig(width: number, height: number, bitrate: number): VideoEncoderConfig {
    return { codec: 'vp8', width, height, bitrate, framerate: 30, latencyMode: 'realtime' };
  }

  /** A decoder (and, the first time, the output track it writes to); null when closed. */
  private openDecoder(): VideoDecoder | null {
    if (this.closed) {
      return null;
    }
    if (this.outputSink && !this.writer) {
      this.writer = this.outputSink.getWriter();
    } else if (!this.writer) {
      const Generator = (globalThis as Breakout).MediaStreamTrackGenerator!;
      this.generator = new Generator({ kind: 'video' });
      this.writer = this.generator.writable.getWriter();
      this.stream = new MediaStream([this.generator]);
    }
    const decoder = new VideoDecoder({
      output: (frame) => this.show(frame),
      error: () => {
        if (this.decoder === decoder) {
          this.decoder = null;
        }
        this.onDecodeError?.();
      },
    });
    decoder.configure({ codec: 'vp8', optimizeForLatency: true });
    this.decoder = decoder;
    return decoder;
  }

  /** Shows a decoded frame; while the track has not taken the previous one yet, this one is dropped. */
  private show(frame: VideoFrame): void {
    const writer = this.writer;
    if (!writer || this.closed || (writer.desiredSize ?? 1) <= 0) {
      frame.close();
      return;
    }
    writer.write(frame).catch(() => frame.close());
  }
}
