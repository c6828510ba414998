/**
 * Reads a recorded file back with node-av, as a player would: its container, video codec, size,
 * duration, and how many frames decode. For the recording tests (kernel and Galata alike).
 */
import { nodeAv } from '../../src/media/native';

export interface MediaInfo {
  format: string;
  codec: string | null;
  width: number;
  height: number;
  durationMs: number;
  decoded: number;
  sizes: string[];
  /** The audio stream, when there is one: codec, channels, and how many audio frames decode. */
  audio: { codec: string | null; decoded: number; samples: number } | null;
}

export function readMedia(file: string): MediaInfo {
  const av = nodeAv();
  const demuxer = av.Demuxer.openSync(file);
  try {
    const video = demuxer.video();
    if (!video) throw new Error(`${file} has no video stream`);
    const decoder = av.Decoder.createSync(video);
    let decoded = 0;
    const sizes = new Set<string>();
    try {
      for (const frame of decoder.framesSync(demuxer.packetsSync(video.index))) {
        if (!frame) continue;
        decoded++;
        sizes.add(`${frame.width}x${frame.height}`);
        frame.free();
      }
    } finally {
      decoder.close();
    }
    let audio: MediaInfo['audio'] = null;
    const audioStream = demuxer.audio();
    if (audioStream) {
      const again = av.Demuxer.openSync(file);
      const audioDecoder = av.Decoder.createSync(again.audio()!);
      audio = { codec: av.avGetCodecName(audioStream.codecpar.codecId), decoded: 0, samples: 0 };
      try {
        for (const frame of audioDecoder.framesSync(again.packetsSync(audioStream.index))) {
          if (!frame) continue;
          audio.decoded++;
          audio.samples += frame.nbSamples;
          frame.free();
        }
      } finally {
        audioDecoder.close();
        again.closeSync();
      }
    }
    return {
      audio,
      format: demuxer.formatName,
      codec: av.avGetCodecName(video.codecpar.codecId),
      width: video.codecpar.width,
      height: video.codecpar.height,
      durationMs: demuxer.duration * 1000,
      decoded,
      sizes: [...sizes],
    };
  } finally {
    demuxer.closeSync();
  }
}
