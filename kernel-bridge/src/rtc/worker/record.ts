/**
 * The media worker's recordings: where the browser's VP8 frames (receive.ts) and our own encoder's
 * (send.ts) already are, so recording costs the kernel's main thread nothing. main.ts dispatches
 * record_start / record_stop here and calls closeAll() before the worker closes, so every exit
 * path (rec.stop(), ctx.stop(), the browser's Stop or disappearance, widget close, kernel
 * shutdown) writes the trailers before the worker says 'closed'.
 *
 * The receiver and the sender call the four taps for every frame; with nothing recording each is
 * one flag test.
 */
import { errorMessage } from '../../errors';
import type { AudioFrame } from '../../media/audio-frame';
import type { FromWorker } from '../protocol';
import { checkRecordTargets, type RecordKind } from '../record-protocol';
import { openRecordFile, type RecordFile } from './record-file';

/** Recordings at once per stream (each one or two files, each muxed, the MP4 ones encoded). */
const MAX_RECORDINGS = 4;

export interface RecordersOptions {
  post: (msg: FromWorker) => void;
  /** Ask the browser for a keyframe (input files start with one). */
  wantInputKeyframe: () => void;
  /** Make our encoder's next frame a keyframe (output files start with one). */
  wantOutputKeyframe: () => void;
}

export class Recorders {
  private readonly recordings = new Map<number, RecordFile[]>();
  /** Files by what they take, rebuilt on start/stop so the per-frame taps just loop. */
  private taps: Record<RecordKind, Taps> = emptyTaps();

  constructor(private readonly opts: RecordersOptions) {}

  /** Opens the targets' files (all or none) and starts recording into them; throws a clear Error. */
  start(rec: number, targets: unknown): void {
    if (this.recordings.has(rec)) throw new Error(`recording ${rec} is already running`);
    if (this.recordings.size >= MAX_RECORDINGS) throw new Error(`at most ${MAX_RECORDINGS} recordings per stream`);
    const checked = checkRecordTargets(targets);
    const files: RecordFile[] = [];
    try {
      for (const target of checked) {
        const wantKeyframe = target.kind === 'input' ? this.opts.wantInputKeyframe : this.opts.wantOutputKeyframe;
        files.push(openRecordFile(target, { wantKeyframe }));
        wantKeyframe();
      }
    } catch (e) {
      for (const file of files) file.finish();
      throw e;
    }
    this.recordings.set(rec, files);
    this.rebuildTaps();
  }

  /** Finalises recording `rec` and reports its files ('record_done'); unknown ids are reported empty. */
  stop(rec: number): void {
    const files = this.recordings.get(rec);
    this.recordings.delete(rec);
    this.rebuildTaps();
    if (!files) {
      this.opts.post({ t: 'record_done', rec, files: [], error: `no recording ${rec} in this stream` });
      return;
    }
    const written = files.flatMap((f) => f.finish());
    const error = files
      .map((f) => f.error)
      .filter(Boolean)
      .join('; ');
    this.opts.post({ t: 'record_done', rec, files: written, error });
  }

  /** Finalises every recording (the worker is closing). */
  closeAll(): void {
    for (const rec of [...this.recordings.keys()]) {
      try {
        this.stop(rec);
      } catch (e) {
        this.opts.post({ t: 'record_done', rec, files: [], error: errorMessage(e) });
      }
    }
  }

  get active(): boolean {
    return this.recordings.size > 0;
  }

  /** A VP8 frame as it arrived from the browser (depacketized). */
  inputPacket(data: Buffer, timestampMs: number): void {
    for (const f of this.taps.input.packets) f.packet(data, timestampMs);
  }

  /** A decoded frame from the browser (tight I420). */
  inputFrame(i420: Uint8Array, width: number, height: number, timestampMs: number): void {
    for (const f of this.taps.input.frames) f.frame(i420, width, height, timestampMs);
  }

  /** A VP8 frame our encoder made for the browser. */
  outputPacket(data: Buffer, timestampMs: number): void {
    for (const f of this.taps.output.packets) f.packet(data, timestampMs);
  }

  /** A frame about to be encoded for the browser (tight I420, after the size caps). */
  outputFrame(i420: Uint8Array, width: number, height: number, timestampMs: number): void {
    for (const f of this.taps.output.frames) f.frame(i420, width, height, timestampMs);
  }

  /** An input audio frame (the microphone, decoded): hook for the audio path's `onInput`. */
  inputAudio(frame: AudioFrame): void {
    for (const f of this.taps.input.audio) f.audio(frame);
  }

  /** An output audio frame (accepted for encoding): hook for the audio path's `onOutput`. */
  outputAudio(frame: AudioFrame): void {
    for (const f of this.taps.output.audio) f.audio(frame);
  }

  /** Whether anything records input frames / output frames (saves the sender a call per frame). */
  wants(kind: RecordKind, what: keyof Taps): boolean {
    return this.taps[kind][what].length > 0;
  }

  private rebuildTaps(): void {
    const taps = emptyTaps();
    for (const files of this.recordings.values()) {
      for (const f of files) {
        taps[f.target.kind][f.takes].push(f);
        if (f.target.audio) taps[f.target.kind].audio.push(f);
      }
    }
    this.taps = taps;
  }
}

interface Taps {
  packets: RecordFile[];
  frames: RecordFile[];
  audio: RecordFile[];
}

function emptyTaps(): Record<RecordKind, Taps> {
  return { input: { packets: [], frames: [], audio: [] }, output: { packets: [], frames: [], audio: [] } };
}
