/**
 * One pass over a media file in the decode worker: node-av's Demuxer opens it, its Decoders turn
 * packets into pictures (converted to yuv420p by the decoder's swscale) and sound (resampled to
 * float32 interleaved 48 kHz by its swresample). Each call of next() yields one decoded item with
 * its time in ms from the file's start, so the worker can pace them. Everything that goes wrong
 * becomes a MediaFileError whose text says why, in words a notebook user can act on.
 */
import { statSync } from 'node:fs';
import type { Decoder, DecoderOptions, Demuxer, Frame as AvFrame, Packet, Stream } from 'node-av';
import { copyAvFrameToI420 } from '../media/codecs';
import { decodedSizeProblem, i420Size } from '../media/frame';
import type { I420BufferPool } from '../media/buffer-pool';
import { nodeAv } from '../media/native';
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from './protocol';

/** A failure to report as it is (the message is the reason, without the path). */
export class MediaFileError extends Error {}

export interface DecodedVideo {
  kind: 'video';
  width: number;
  height: number;
  /** ms from the file's start. */
  timestamp: number;
  /** ms until the next frame (estimated when the file does not say). */
  duration: number;
  buffer: ArrayBuffer;
}

export interface DecodedAudio {
  kind: 'audio';
  channels: number;
  samples: number;
  timestamp: number;
  data: Float32Array;
}

export type Decoded = DecodedVideo | DecodedAudio;

/**
 * Decode errors in a row after which the file counts as broken: one bad packet is concealed, a
 * file whose rest is garbage must end with an error, not play a frozen picture forever.
 */
const MAX_ERRORS_IN_A_ROW = 8;

type Av = ReturnType<typeof nodeAv>;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why the file cannot be opened at all, before FFmpeg tries (clearer than FFmpeg's wording). */
function fileProblem(path: string): string | null {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return 'it is a directory, not a file';
    if (!stat.isFile()) return 'it is not a regular file';
    if (stat.size === 0) return 'the file is empty';
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    return `cannot read it (${describe(error)})`;
  }
}

export class FileDecoder {
  private readonly av: Av = nodeAv();
  private readonly packet: Packet;
  private readonly ready: Decoded[] = [];
  private errorsInARow = 0;
  private ended = false;
  /** ms: the file's start time (timestamps are counted from it). */
  private readonly originMs: number;
  /** ms: the end of the latest item, from the file's start (the loop length once at the end). */
  private endMs = 0;
  private lastVideoMs = -1;
  private readonly fallbackFrameMs: number;
  /** The piece of sound being filled (see addAudio). */
  private chunk: Float32Array | null = null;
  private chunkFill = 0;
  private chunkChannels = 0;
  private chunkStart = 0;

  private constructor(
    private readonly demuxer: Demuxer,
    private readonly video: Stream,
    private readonly videoDecoder: Decoder,
    private readonly audio: Stream | null,
    private readonly audioDecoder: Decoder | null,
    private readonly pool: I420BufferPool,
  ) {
    this.packet = new this.av.Packet();
    this.packet.alloc();
    const start = demuxer.startTime;
    this.originMs = Number.isFinite(start) && start > 0 ? start * 1000 : 0;
    const rate = video.avgFrameRate.num > 0 && video.avgFrameRate.den > 0 ? video.avgFrameRate : video.rFrameRate;
    this.fallbackFrameMs = rate.num > 0 && rate.den > 0 ? (1000 * rate.den) / rate.num : 1000 / 30;
  }

  /** Opens `path` and its decoders; throws a MediaFileError saying why it cannot be played. */
  static open(path: string, pool: I420BufferPool): FileDecoder {
    const problem = fileProblem(path);
    if (problem) throw new MediaFileError(problem);
    const av = nodeAv();
    let demuxer: Demuxer;
    try {
      demuxer = av.Demuxer.openSync(path);
    } catch (error) {
      throw new MediaFileError(`FFmpeg cannot read it as a media file (${describe(error)})`);
    }
    try {
      const video = demuxer.video();
      if (!video) {
        const kinds = demuxer.streams.map((s) => av.avGetMediaTypeString(s.codecpar.codecType) ?? 'unknown');
        throw new MediaFileError(`it has no video stream (streams: ${kinds.join(', ') || 'none'})`);
      }
      const sizeProblem = decodedSizeProblem(video.codecpar.width, video.codecpar.height);
      if (video.codecpar.width > 0 && sizeProblem) throw new MediaFileError(`unsupported video: ${sizeProblem}`);
      const videoDecoder = openDecoder(av, video, 'video', {
        exitOnError: true,
        rescale: { pixelFormat: av.AV_PIX_FMT_YUV420P },
      });
      const audio = demuxer.audio() ?? null;
      let audioDecoder: Decoder | null = null;
      if (audio) {
        const stereo = audio.codecpar.channelLayout.nbChannels !== 1;
        audioDecoder = openDecoder(av, audio, 'audio', {
          exitOnError: true,
          resample: {
            sampleRate: AUDIO_SAMPLE_RATE,
            sampleFormat: av.AV_SAMPLE_FMT_FLT,
            channelLayout: stereo ? av.AV_CHANNEL_LAYOUT_STEREO : av.AV_CHANNEL_LAYOUT_MONO,
          },
        });
      }
      return new FileDecoder(demuxer, video, videoDecoder, audio, audioDecoder, pool);
    } catch (error) {
      demuxer.closeSync();
      throw error;
    }
  }

  /** ms from the start to the end of everything decoded so far (the file's length once at its end). */
  get lengthMs(): number {
    return this.endMs;
  }

  /** The next decoded item, or null at the end of the file. Throws a MediaFileError when the file breaks. */
  next(): Decoded | null {
    while (this.ready.length === 0) {
      if (this.ended) return null;
      this.step();
    }
    return this.ready.shift() ?? null;
  }

  close(): void {
    this.packet.free();
    this.videoDecoder.close();
    this.audioDecoder?.close();
    this.demuxer.closeSync();
  }

  /** Reads one packet and decodes it (at the end: drains the decoders). */
  private step(): void {
    const av = this.av;
    const ret = this.demuxer.getFormatContext().readFrameSync(this.packet);
    if (ret === av.AVERROR_EOF) {
      this.drain(this.videoDecoder, this.video);
      if (this.audioDecoder && this.audio) this.drain(this.audioDecoder, this.audio);
      this.flushAudio();
      this.ended = true;
      return;
    }
    if (ret < 0) {
      throw new MediaFileError(`reading failed at ${this.at()}: ${new av.FFmpegError(ret).message}`);
    }
    try {
      const index = this.packet.streamIndex;
      if (index === this.video.index) this.decode(this.videoDecoder, this.video);
      else if (this.audio && this.audioDecoder && index === this.audio.index)
        this.decode(this.audioDecoder, this.audio);
    } finally {
      this.packet.unref();
    }
  }

  private decode(decoder: Decoder, stream: Stream): void {
    this.packet.timeBase = stream.timeBase;
    try {
      decoder.decodeSync(this.packet);
      this.receive(decoder);
      this.errorsInARow = 0;
    } catch (error) {
      if (error instanceof MediaFileError) throw error;
      if (++this.errorsInARow >= MAX_ERRORS_IN_A_ROW) {
        const what = decoder === this.videoDecoder ? 'video' : 'audio';
        throw new MediaFileError(
          `decoding failed at ${this.at()}: ${MAX_ERRORS_IN_A_ROW} ${what} packets in a row could not be decoded (${describe(error)})`,
        );
      }
    }
  }

  private drain(decoder: Decoder, stream: Stream): void {
    try {
      decoder.flushSync();
      this.receive(decoder);
    } catch (error) {
      throw new MediaFileError(
        `decoding failed at the end of the ${stream === this.video ? 'video' : 'audio'}: ${describe(error)}`,
      );
    }
  }

  private receive(decoder: Decoder): void {
    for (;;) {
      const frame = decoder.receiveSync();
      if (frame === null || !(frame instanceof this.av.Frame)) return; // EAGAIN or EOF
      try {
        if (decoder === this.videoDecoder) this.addVideo(frame);
        else this.addAudio(frame);
      } finally {
        frame.free();
      }
    }
  }

  private msOf(frame: AvFrame): number | null {
    const pts = frame.pts;
    const tb = frame.timeBase;
    if (pts === this.av.AV_NOPTS_VALUE || !tb || tb.den === 0) return null;
    return (Number(pts) * 1000 * tb.num) / tb.den - this.originMs;
  }

  private addVideo(frame: AvFrame): void {
    const { width, height } = frame;
    const problem = decodedSizeProblem(width, height);
    if (problem) throw new MediaFileError(`unsupported video at ${this.at()}: ${problem}`);
    if (frame.format !== this.av.AV_PIX_FMT_YUV420P) {
      throw new MediaFileError(`its pixel format cannot be converted to yuv420p (${String(frame.format)})`);
    }
    let timestamp = this.msOf(frame) ?? this.lastVideoMs + this.fallbackFrameMs;
    if (timestamp <= this.lastVideoMs) timestamp = this.lastVideoMs + 0.001; // keep them increasing
    const tb = frame.timeBase;
    const stated = frame.duration > 0n && tb && tb.den ? (Number(frame.duration) * 1000 * tb.num) / tb.den : 0;
    const duration = stated > 0 ? stated : this.fallbackFrameMs;
    this.lastVideoMs = timestamp;
    const buffer = this.pool.take(width, height);
    copyAvFrameToI420(frame, new Uint8Array(buffer, 0, i420Size(width, height)));
    this.endMs = Math.max(this.endMs, timestamp + duration);
    this.ready.push({ kind: 'video', width, height, timestamp, duration, buffer });
  }

  /**
   * Cuts the resampled sound into AUDIO_FRAME_SAMPLES pieces across the decoder's frames (AAC
   * gives 1024 samples, Opus 960, PCM anything); the piece open at the end is flushed by drain().
   */
  private addAudio(frame: AvFrame): void {
    const channels = frame.channelLayout.nbChannels;
    const total = frame.nbSamples;
    const plane = frame.data?.[0];
    if (!plane || total <= 0 || channels < 1) return;
    const start = this.msOf(frame) ?? this.endMs;
    const samples = new Float32Array(plane.buffer, plane.byteOffset, total * channels);
    for (let at = 0; at < total;) {
      if (!this.chunk || this.chunkChannels !== channels) {
        this.flushAudio();
        this.chunk = new Float32Array(AUDIO_FRAME_SAMPLES * channels);
        this.chunkChannels = channels;
        this.chunkStart = start + (at * 1000) / AUDIO_SAMPLE_RATE;
      }
      const n = Math.min(AUDIO_FRAME_SAMPLES - this.chunkFill, total - at);
      this.chunk.set(samples.subarray(at * channels, (at + n) * channels), this.chunkFill * channels);
      this.chunkFill += n;
      at += n;
      if (this.chunkFill === AUDIO_FRAME_SAMPLES) this.flushAudio();
    }
    this.endMs = Math.max(this.endMs, start + (total * 1000) / AUDIO_SAMPLE_RATE);
  }

  /** Hands on the piece of sound being filled, if any (whole, or shortened at the end). */
  private flushAudio(): void {
    const chunk = this.chunk;
    if (!chunk || this.chunkFill === 0) return;
    const channels = this.chunkChannels;
    const samples = this.chunkFill;
    const data = samples === AUDIO_FRAME_SAMPLES ? chunk : chunk.slice(0, samples * channels);
    this.ready.push({ kind: 'audio', channels, samples, timestamp: this.chunkStart, data });
    this.chunk = null;
    this.chunkFill = 0;
  }

  /** Where in the file we are, for error texts. */
  private at(): string {
    return `${(Math.max(0, this.lastVideoMs) / 1000).toFixed(2)} s`;
  }
}

function openDecoder(av: Av, stream: Stream, kind: 'video' | 'audio', options: DecoderOptions): Decoder {
  const codecName = av.avGetCodecName(stream.codecpar.codecId) ?? `codec id ${stream.codecpar.codecId}`;
  if (!av.Codec.findDecoder(stream.codecpar.codecId)) {
    throw new MediaFileError(`unsupported ${kind} codec ${codecName}: this FFmpeg build has no decoder for it`);
  }
  try {
    return av.Decoder.createSync(stream, options);
  } catch (error) {
    throw new MediaFileError(`cannot open the ${kind} decoder (${codecName}): ${describe(error)}`);
  }
}
