/**
 * Reads a recorded file back with node-av, as a player would: its container, video codec, size,
 * duration, and how many frames decode; for an audio stream also when it starts against the video,
 * how loud it is and how strong a tone is. For the recording tests (kernel and Galata alike).
 */
import { toneLevel } from '../../src/media/audio-level';
import { nodeAv } from '../../src/media/native';

export interface MediaInfo {
  format: string;
  codec: string | null;
  width: number;
  height: number;
  durationMs: number;
  decoded: number;
  sizes: string[];
  /** Time of the first decoded video frame in the file, ms. */
  firstMs: number;
  /** The audio stream, when there is one. */
  audio: AudioInfo | null;
}

interface AudioInfo {
  codec: string | null;
  /** Audio frames that decode, and their samples per channel (decoded at 48 kHz; measured on the first channel). */
  decoded: number;
  samples: number;
  /** Time of the first decoded audio sample in the file, ms. */
  firstMs: number;
  /** Root mean square of all the samples (a 0.5 sine: ~0.35; silence: 0). */
  rms: number;
  /** The median over 20 ms pieces of the amplitude of the tone at `toneHz` (readMedia's argument), else 0. */
  tone: number;
}

/** Reads `file`; `toneHz`: the frequency whose strength `audio.tone` measures. */
export function readMedia(file: string, toneHz = 0): MediaInfo {
  const av = nodeAv();
  const demuxer = av.Demuxer.openSync(file);
  try {
    const video = demuxer.video();
    if (!video) throw new Error(`${file} has no video stream`);
    const decoder = av.Decoder.createSync(video);
    let decoded = 0;
    let firstMs = NaN;
    const sizes = new Set<string>();
    try {
      for (const frame of decoder.framesSync(demuxer.packetsSync(video.index))) {
        if (!frame) continue;
        if (decoded === 0) firstMs = msOf(frame.pts, frame.timeBase, video.timeBase);
        decoded++;
        sizes.add(`${frame.width}x${frame.height}`);
        frame.free();
      }
    } finally {
      decoder.close();
    }
    let audio: AudioInfo | null = null;
    const audioStream = demuxer.audio();
    if (audioStream) audio = readAudio(file, toneHz);
    return {
      audio,
      format: demuxer.formatName,
      codec: av.avGetCodecName(video.codecpar.codecId),
      width: video.codecpar.width,
      height: video.codecpar.height,
      durationMs: demuxer.duration * 1000,
      firstMs,
      decoded,
      sizes: [...sizes],
    };
  } finally {
    demuxer.closeSync();
  }
}

/** Decodes the file's audio stream (resampled to 48 kHz float) and measures its first channel. */
function readAudio(file: string, toneHz: number): AudioInfo {
  const av = nodeAv();
  const demuxer = av.Demuxer.openSync(file);
  const stream = demuxer.audio()!;
  const channels = stream.codecpar.channelLayout.nbChannels;
  const decoder = av.Decoder.createSync(stream, {
    resample: { sampleRate: 48000, sampleFormat: av.AV_SAMPLE_FMT_FLT, channelLayout: stream.codecpar.channelLayout },
  });
  const info: AudioInfo = {
    codec: av.avGetCodecName(stream.codecpar.codecId),
    decoded: 0,
    samples: 0,
    firstMs: NaN,
    rms: 0,
    tone: 0,
  };
  const pieces: number[] = [];
  let squares = 0;
  try {
    for (const frame of decoder.framesSync(demuxer.packetsSync(stream.index))) {
      if (!frame) continue;
      if (info.decoded === 0) info.firstMs = msOf(frame.pts, frame.timeBase, stream.timeBase);
      info.decoded++;
      const plane = frame.data?.[0];
      const n = frame.nbSamples;
      if (plane && n > 0) {
        // the first channel (interleaved)
        const all = new Float32Array(plane.buffer, plane.byteOffset, n * channels);
        const data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = all[i * channels];
        for (const v of data) squares += v * v;
        info.samples += n;
        if (toneHz > 0)
          pieces.push(toneLevel({ sampleRate: 48000, channels: 1, samples: n, timestamp: 0, data }, toneHz));
      }
      frame.free();
    }
  } finally {
    decoder.close();
    demuxer.closeSync();
  }
  info.rms = info.samples > 0 ? Math.sqrt(squares / info.samples) : 0;
  pieces.sort((a, b) => a - b);
  info.tone = pieces.length > 0 ? pieces[pieces.length >> 1] : 0;
  return info;
}

/** A frame's time in ms, in its own time base when it has one (a resampled one does), else its stream's. */
function msOf(pts: bigint, own: { num: number; den: number }, stream: { num: number; den: number }): number {
  const tb = own.num > 0 && own.den > 0 ? own : stream;
  return (Number(pts) * 1000 * tb.num) / tb.den;
}
