/**
 * Audio frames, the audio counterpart of Frame (frame.ts): what `audio$` emits, what
 * `transformAudio` maps and what a kernel-side source or a recording carries. PCM as float32 so a
 * notebook can scale, mix or filter samples without converting (WebAudio's format too); Opus, the
 * codec WebRTC uses, decodes to it natively.
 */

export interface AudioFrame {
  /** Samples per second per channel, e.g. 48000 (Opus in WebRTC always decodes at 48 kHz). */
  readonly sampleRate: number;
  /** 1 (mono) or 2 (stereo). */
  readonly channels: number;
  /**
   * Time of the first sample in milliseconds, on the same clock as the stream's video
   * Frame.timestamp, so audio and video of one stream can be lined up.
   */
  readonly timestamp: number;
  /** Samples per channel (Opus in WebRTC: 960 = 20 ms at 48 kHz). */
  readonly samples: number;
  /** Interleaved samples, -1..1, exactly samples * channels of them. */
  readonly data: Float32Array;
}

/** Most channels accepted anywhere an AudioFrame crosses a boundary. */
export const MAX_AUDIO_CHANNELS = 2;
/** Most samples per channel in one frame: 120 ms at 48 kHz (Opus's longest frame). */
export const MAX_AUDIO_SAMPLES = 5760;

/** Why `frame` is not a well-formed AudioFrame, or null when it is (for boundaries: transforms, sources). */
export function audioFrameProblem(frame: unknown): string | null {
  if (typeof frame !== 'object' || frame === null) return 'not an audio frame';
  const f = frame as Partial<AudioFrame>;
  if (!Number.isInteger(f.sampleRate) || (f.sampleRate as number) < 8000 || (f.sampleRate as number) > 192000)
    return `sampleRate ${String(f.sampleRate)} is not an integer in 8000..192000`;
  if (!Number.isInteger(f.channels) || (f.channels as number) < 1 || (f.channels as number) > MAX_AUDIO_CHANNELS)
    return `channels ${String(f.channels)} is not 1..${MAX_AUDIO_CHANNELS}`;
  if (!Number.isInteger(f.samples) || (f.samples as number) < 1 || (f.samples as number) > MAX_AUDIO_SAMPLES)
    return `samples ${String(f.samples)} is not 1..${MAX_AUDIO_SAMPLES}`;
  if (typeof f.timestamp !== 'number' || !Number.isFinite(f.timestamp)) return 'timestamp is not a finite number';
  if (!(f.data instanceof Float32Array) || f.data.length !== (f.samples as number) * (f.channels as number))
    return `data is not a Float32Array of samples * channels (${(f.samples as number) * (f.channels as number)}) values`;
  return null;
}
