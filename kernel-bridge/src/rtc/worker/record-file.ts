/**
 * One recording file (or a run of segments), written with node-av's high-level Muxer:
 * - WebM: the VP8 frames as they are (the browser's depacketized frames, or our encoder's), remuxed
 *   without re-encoding. It starts at a keyframe (earlier frames are skipped and one is asked for).
 *   A keyframe of another size ends the file and starts the next segment, `<name>-2.webm`, ...:
 *   a WebM track has one size in its header, and remuxing cannot scale.
 * - MP4: decoded I420 frames encoded to H.264 (record-h264.ts); frames of another size than the
 *   first are scaled to it (swscale), so one file holds the whole recording.
 * The muxer writes our packets as a stream copy of a template stream (a FormatContext of our own
 * holding the codec parameters): the Muxer takes a Stream or a high-level Encoder, and that
 * Encoder cannot be used (record-h264.ts). The file is opened when the recording starts, so a path
 * that cannot be written fails then; the header goes out with the first frame, the trailer at close().
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { allocI420Buffer, i420Size, scaleI420 } from '../../media/frame';
import { nodeAv, type NodeAvModule } from '../../media/native';
import type { RecordedFile, RecordTarget } from '../record-protocol';
import type { AudioFrame } from '../../media/audio-frame';
import { OpusTrackEncoder, RECORD_SAMPLE_RATE, type OpusPacket } from './record-audio';
import { H264Encoder, type H264Packet } from './record-h264';

type Av = NodeAvModule;
type AvMuxer = ReturnType<Av['Muxer']['openSync']>;
type AvFormatContext = InstanceType<Av['FormatContext']>;
type AvPacket = InstanceType<Av['Packet']>;
type CodecPar = InstanceType<Av['CodecParameters']>;

/**
 * Audio frames kept while a file waits for its first video frame (input: the browser's next
 * keyframe; output: the frame our encoder makes next): 1 s of 20 ms frames.
 */
const EARLY_AUDIO_FRAMES = 50;

/** A frame's assumed length when there is no next frame to measure it by (30 fps), in 1/90000 s. */
const DEFAULT_FRAME_TICKS = 3000;

/** The size in a VP8 keyframe's header, or null for an interframe / not VP8 (RFC 6386 9.1). */
export function vp8KeyframeSize(data: Uint8Array): { width: number; height: number } | null {
  if (data.length < 10 || (data[0] & 1) !== 0) return null;
  if (data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a) return null;
  const width = (data[6] | (data[7] << 8)) & 0x3fff;
  const height = (data[8] | (data[9] << 8)) & 0x3fff;
  return width > 0 && height > 0 ? { width, height } : null;
}

/** `path` with `-n` before its extension: the n-th segment's name. */
export function segmentPath(path: string, n: number): string {
  if (n <= 1) return path;
  const dot = path.lastIndexOf('.');
  return `${path.slice(0, dot)}-${n}${path.slice(dot)}`;
}

/** One muxed file with one video stream: header with the first packet, trailer at close. */
class MuxedFile {
  private readonly av = nodeAv();
  private readonly muxer: AvMuxer;
  private template: AvFormatContext | null = null;
  private stream = -1;
  private audioStream = -1;
  private lastAudioPts = -1;
  private readonly packet: AvPacket;
  private firstTicks = -1;
  private lastTicks = -1;
  private lastDuration = DEFAULT_FRAME_TICKS;
  frames = 0;
  private closed: RecordedFile | null = null;

  constructor(
    readonly path: string,
    private readonly kind: RecordTarget['kind'],
    overwrite: boolean,
  ) {
    if (!overwrite && existsSync(path)) throw new Error(`${path} exists (pass overwrite: true to replace it)`);
    // node-av's Muxer creates missing folders (and hangs on some, e.g. under /proc): a missing one is an error here
    const dir = dirname(path);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`the folder ${dir} does not exist`);
    this.muxer = this.av.Muxer.openSync(path, { useAsyncWrite: false });
    this.packet = new this.av.Packet();
    this.packet.alloc();
  }

  get started(): boolean {
    return this.stream >= 0;
  }

  /**
   * Adds the video stream, and the audio stream when `describeAudio` is given; each `describe`
   * fills in its codec parameters. Before the first write.
   */
  start(describe: (par: CodecPar) => void, describeAudio?: (par: CodecPar) => void): void {
    const av = this.av;
    const template = new av.FormatContext();
    template.allocContext();
    this.template = template;
    const add = (fill: (par: CodecPar) => void, timeBase: number) => {
      const st = template.newStream(null);
      if (!st) throw new Error('cannot create a recording stream');
      fill(st.codecpar);
      st.timeBase = new av.Rational(1, timeBase);
      return this.muxer.addStream(st);
    };
    this.stream = add(describe, 90000);
    if (describeAudio) this.audioStream = add(describeAudio, RECORD_SAMPLE_RATE);
  }

  /**
   * Writes an audio packet at `ticks` (1/90000 s on the video's scale); before the first video frame
   * it is dropped. Its times are given in samples (1/48000 s): node-av's Muxer rescales a stream
   * copy's packets from its template stream's time base, whatever `pkt.timeBase` says (90 kHz
   * times there played the audio 1.875 times too slow).
   */
  writeAudio(data: Buffer, ticks: number): void {
    if (this.audioStream < 0 || this.firstTicks < 0) return;
    const pts = Math.round(((ticks - this.firstTicks) * RECORD_SAMPLE_RATE) / 90000);
    if (pts < 0 || pts <= this.lastAudioPts) return;
    this.lastAudioPts = pts;
    const av = this.av;
    const pkt = this.packet;
    pkt.data = data;
    pkt.pts = BigInt(pts);
    pkt.dts = BigInt(pts);
    pkt.duration = BigInt(RECORD_SAMPLE_RATE / 50); // 20 ms
    pkt.timeBase = new av.Rational(1, RECORD_SAMPLE_RATE);
    // every Opus frame stands alone; the Muxer's stream copy skips packets until a keyframe
    pkt.setFlags(av.AV_PKT_FLAG_KEY);
    try {
      this.muxer.writePacketSync(pkt, this.audioStream);
    } finally {
      pkt.unref();
    }
  }

  /** Writes one frame's packet at capture time `ticks` (1/90000 s, from the recording's start; made increasing). */
  write(data: Buffer, ticks: number, keyframe: boolean, dtsTicks = ticks): void {
    const av = this.av;
    if (this.firstTicks < 0) this.firstTicks = ticks;
    let pts = Math.round(ticks - this.firstTicks);
    let dts = Math.round(dtsTicks - this.firstTicks);
    if (dts <= this.lastTicks) {
      pts += this.lastTicks + 1 - dts;
      dts = this.lastTicks + 1;
    }
    if (this.lastTicks >= 0) this.lastDuration = dts - this.lastTicks;
    this.lastTicks = dts;
    const pkt = this.packet;
    pkt.data = data;
    pkt.pts = BigInt(pts);
    pkt.dts = BigInt(dts);
    pkt.duration = BigInt(this.lastDuration);
    pkt.timeBase = new av.Rational(1, 90000);
    if (keyframe) pkt.setFlags(av.AV_PKT_FLAG_KEY);
    try {
      this.muxer.writePacketSync(pkt, this.stream);
    } finally {
      pkt.unref();
    }
    this.frames++;
  }

  /** Writes the trailer (even after a failed write: what was written stays readable) and says what the file holds. */
  close(): RecordedFile {
    if (this.closed) return this.closed;
    let error: unknown = null;
    try {
      this.muxer.closeSync();
    } catch (e) {
      error = e;
    }
    this.packet.free();
    this.template?.freeContext();
    this.template = null;
    const durationMs = this.lastTicks < 0 ? 0 : (this.lastTicks + this.lastDuration) / 90;
    let bytes = 0;
    try {
      bytes = statSync(this.path).size;
    } catch {
      /* reported by the error below or the file was removed meanwhile */
    }
    this.closed = { path: this.path, kind: this.kind, frames: this.frames, durationMs, bytes };
    if (error) throw error;
    return this.closed;
  }
}

/** What a RecordFile needs from the worker: a keyframe when it waits for one. */
export interface RecordFileContext {
  /** Ask the source for a keyframe (input: RTCP PLI to the browser; output: our encoder's next frame). */
  readonly wantKeyframe: () => void;
}

/** A target's file(s); the recorder feeds it packets (WebM) or frames (MP4). */
export abstract class RecordFile {
  protected readonly files: RecordedFile[] = [];
  protected current: MuxedFile | null;
  private failure = '';
  /** Capture time (ms) of the first frame written: the file's time 0 (its audio counts from it too). */
  private origin: number | undefined;

  constructor(
    readonly target: RecordTarget,
    protected readonly context: RecordFileContext,
  ) {
    this.current = new MuxedFile(target.path, target.kind, target.overwrite);
  }

  /** Whether it takes encoded VP8 frames (WebM) or decoded I420 frames (MP4). */
  abstract readonly takes: 'packets' | 'frames';

  /** What went wrong (the file was closed at that point), or ''. */
  get error(): string {
    return this.failure;
  }

  get active(): boolean {
    return this.current !== null;
  }

  /** One frame's VP8 data at capture time `timestampMs`. */
  packet(_data: Buffer, _timestampMs: number): void {}

  /** One decoded tight I420 image at capture time `timestampMs`. */
  frame(_i420: Uint8Array, _width: number, _height: number, _timestampMs: number): void {}

  /**
   * One audio frame (recorded when the target has `audio`): encoded to Opus on the file's clock
   * (its first video frame is time 0; audio captured before it is dropped, so the file starts with
   * video). Audio reaches the recorder sooner than video captured at the same moment (video has a
   * jitter buffer, decoding, a latest-first hand-over), so frames that come before the first video
   * frame are kept (copied, at most EARLY_AUDIO_FRAMES) until that frame says where time 0 is.
   */
  audio(frame: AudioFrame): void {
    // another rate than WebRTC's 48 kHz is skipped (no resampler here), not a reason to end the file
    if (frame.sampleRate !== RECORD_SAMPLE_RATE || !this.current) return;
    if (this.origin === undefined || !this.opus) {
      if (this.early.length >= EARLY_AUDIO_FRAMES) this.early.shift();
      this.early.push({ ...frame, data: frame.data.slice() });
      return;
    }
    for (const kept of this.early.splice(0)) this.encodeAudio(kept);
    this.encodeAudio(frame);
  }

  private encodeAudio(frame: AudioFrame): void {
    const opus = this.opus;
    if (!opus || this.origin === undefined) return;
    this.guard(() => {
      const at = Math.round((frame.timestamp - this.origin!) * (RECORD_SAMPLE_RATE / 1000));
      if (at >= 0) opus.push(frame, at, this.writeOpus);
    });
  }

  /** Audio frames that came before the first video frame, oldest first. */
  private early: AudioFrame[] = [];

  /** The file's Opus encoder, made when a file (segment) starts; null without audio. */
  private opus: OpusTrackEncoder | null = null;
  private readonly writeOpus = (p: OpusPacket) =>
    this.current?.writeAudio(p.data, p.pts * (90000 / RECORD_SAMPLE_RATE));

  /** Starts the current file's streams: video as `describe` says, and Opus audio when the target records audio. */
  protected startFile(file: MuxedFile, describe: (par: CodecPar) => void): void {
    this.endAudio();
    if (this.target.audio) {
      const opus = (this.opus = new OpusTrackEncoder());
      file.start(describe, (par) => opus.describe(par));
    } else {
      file.start(describe);
    }
  }

  /** Flushes and frees the audio encoder of the current file. */
  protected endAudio(): void {
    const opus = this.opus;
    this.opus = null;
    if (!opus) return;
    try {
      if (this.current) opus.flush(this.writeOpus);
    } finally {
      opus.close();
    }
  }

  /** Finalises the file(s): trailers written. Returns every file, in order. */
  finish(): RecordedFile[] {
    try {
      this.flush();
    } catch (e) {
      this.failed(e);
    }
    try {
      this.endAudio();
    } catch (e) {
      this.failed(e);
    }
    this.closeCurrent();
    return this.files;
  }

  protected flush(): void {}

  /** A frame's time in the file, 1/90000 s; the first frame written is 0. */
  protected ticksOf(timestampMs: number): number {
    this.origin ??= timestampMs;
    return Math.max(0, (timestampMs - this.origin) * 90);
  }

  /** Runs one write; a failure (disk full, a codec error) ends this file, not the stream. */
  protected guard(write: () => void): void {
    if (!this.current) return;
    try {
      write();
    } catch (e) {
      this.failed(e);
      this.closeCurrent();
    }
  }

  /** Finalises the current file; one without a frame (stopped before the first keyframe) is removed, not reported. */
  protected closeCurrent(): void {
    const file = this.current;
    if (!file) return;
    this.current = null;
    try {
      const closed = file.close();
      if (closed.frames > 0) this.files.push(closed);
      else rmSync(closed.path, { force: true });
    } catch (e) {
      this.failed(e);
    }
  }

  private failed(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    if (!this.failure) this.failure = `${this.target.path}: ${message}`;
  }
}

/** WebM: VP8 remuxed as it is; a new segment when a keyframe changes the size. */
class WebmRemux extends RecordFile {
  readonly takes = 'packets';
  private size: { width: number; height: number } | null = null;
  private segment = 1;

  override packet(data: Buffer, timestampMs: number): void {
    this.guard(() => {
      const key = vp8KeyframeSize(data);
      if (!key) {
        if (!this.size) this.context.wantKeyframe();
        else this.current!.write(data, this.ticksOf(timestampMs), false);
        return;
      }
      if (this.size && (key.width !== this.size.width || key.height !== this.size.height)) this.nextSegment();
      const file = this.current!;
      if (!file.started) {
        this.size = key;
        const av = nodeAv();
        this.startFile(file, (par) => {
          par.codecType = av.AVMEDIA_TYPE_VIDEO;
          par.codecId = av.AV_CODEC_ID_VP8;
          par.width = key.width;
          par.height = key.height;
        });
      }
      file.write(data, this.ticksOf(timestampMs), true);
    });
  }

  private nextSegment(): void {
    this.endAudio();
    this.closeCurrent();
    // A name the user did not give is never written over, overwrite or not (it may be an older
    // recording, or another stream's file being written): the next free number is taken.
    let path = segmentPath(this.target.path, ++this.segment);
    while (existsSync(path)) path = segmentPath(this.target.path, ++this.segment);
    this.current = new MuxedFile(path, this.target.kind, false);
    this.size = null;
  }
}

/** MP4: H.264 encoded from the decoded frames, all at the first frame's size. */
class Mp4Encode extends RecordFile {
  readonly takes = 'frames';
  private encoder: H264Encoder | null = null;
  private scaled = new Uint8Array(0);
  private lastPts = -1;
  private readonly write = (p: H264Packet) => this.current?.write(p.data, p.pts, p.keyframe, p.dts);

  override frame(i420: Uint8Array, width: number, height: number, timestampMs: number): void {
    this.guard(() => {
      let encoder = this.encoder;
      if (!encoder) {
        encoder = this.encoder = new H264Encoder(width, height);
        const ready = encoder;
        this.startFile(this.current!, (par) => ready.describe(par));
      }
      let data = i420;
      if (width !== encoder.width || height !== encoder.height) {
        const size = i420Size(encoder.width, encoder.height);
        if (this.scaled.byteLength < size) {
          this.scaled = new Uint8Array(allocI420Buffer(encoder.width, encoder.height), 0, size);
        }
        scaleI420(i420, width, height, this.scaled, encoder.width, encoder.height);
        data = this.scaled.subarray(0, size);
      }
      // libx264 refuses a pts that does not increase (two frames in one ms)
      const pts = Math.max(Math.round(this.ticksOf(timestampMs)), this.lastPts + 1);
      this.lastPts = pts;
      encoder.encode(data, pts, this.write);
    });
  }

  protected override flush(): void {
    try {
      if (this.current) this.encoder?.flush(this.write);
    } finally {
      this.encoder?.close();
      this.encoder = null;
    }
  }
}

/** The RecordFile for a target's container. Throws when the file cannot be opened. */
export function openRecordFile(target: RecordTarget, context: RecordFileContext): RecordFile {
  return target.container === 'webm' ? new WebmRemux(target, context) : new Mp4Encode(target, context);
}
