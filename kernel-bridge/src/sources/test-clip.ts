/**
 * writeTestClip(): a short clip of a known picture and tone, encoded with node-av, so tests (jest
 * and Galata) and examples can play a real file without shipping one. The picture is left half
 * red, right half blue; the sound a sine tone. What a test checks after decoding follows from it.
 */
import type { Encoder, Frame } from 'node-av';
import { nodeAv } from '../media/native';

export interface TestClipOptions {
  /** 'webm' (VP8 + Opus, the default) or 'mp4' (H.264 + AAC). */
  format?: 'webm' | 'mp4';
  width?: number;
  height?: number;
  /** Frames per second, an integer (default 30). */
  fps?: number;
  /** Video frames (default 30: one second at 30 fps). */
  frames?: number;
  /** Frequency of the tone in Hz (default 1000); 0 = no audio stream. */
  toneHz?: number;
}

/** The clip's colours in BT.601 limited-range YUV (what the encoder gets). */
const RED = { y: 81, u: 90, v: 240 };
const BLUE = { y: 41, u: 240, v: 110 };
const SAMPLE_RATE = 48000;
/** Samples per audio frame: Opus takes 20 ms at 48 kHz; AAC takes 1024. */
const SAMPLES_OF = { webm: 960, mp4: 1024 } as const;

/** One I420 picture: the left half red, the right half blue. */
function picture(width: number, height: number): Buffer {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const buf = Buffer.alloc(width * height + 2 * cw * ch);
  const planes = [
    { at: 0, w: width, h: height, key: 'y' as const },
    { at: width * height, w: cw, h: ch, key: 'u' as const },
    { at: width * height + cw * ch, w: cw, h: ch, key: 'v' as const },
  ];
  for (const p of planes) {
    const half = p.w >> 1;
    for (let r = 0; r < p.h; r++) {
      const row = p.at + r * p.w;
      buf.fill(RED[p.key], row, row + half);
      buf.fill(BLUE[p.key], row + half, row + p.w);
    }
  }
  return buf;
}

/**
 * Writes the clip to `path` (the container follows `format`, not the file name) and resolves once
 * the file is complete.
 */
export async function writeTestClip(path: string, options: TestClipOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError('writeTestClip needs a file path');
  const format = options.format ?? 'webm';
  if (format !== 'webm' && format !== 'mp4') throw new TypeError(`writeTestClip: format must be 'webm' or 'mp4'`);
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const fps = options.fps ?? 30;
  const frames = options.frames ?? 30;
  const toneHz = options.toneHz ?? 1000;
  for (const [name, value, max] of [
    ['width', width, 4096],
    ['height', height, 4096],
    ['fps', fps, 120],
    ['frames', frames, 100000],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new RangeError(`writeTestClip: ${name} must be an integer 1..${max}`);
    }
  }
  if (!(toneHz >= 0 && toneHz < SAMPLE_RATE / 2)) throw new RangeError('writeTestClip: toneHz must be 0..24000');

  const av = nodeAv();
  const videoEncoder = await av.Encoder.create(format === 'webm' ? av.FF_ENCODER_LIBVPX_VP8 : av.FF_ENCODER_LIBX264, {
    bitrate: 500_000,
    gopSize: fps,
    maxBFrames: 0,
    options: format === 'webm' ? { deadline: 'realtime', 'cpu-used': -8 } : { preset: 'ultrafast' },
  });
  const audioEncoder =
    toneHz > 0
      ? await av.Encoder.create(format === 'webm' ? av.FF_ENCODER_LIBOPUS : av.FF_ENCODER_AAC, {
          bitrate: 64_000,
          autoResample: true,
        })
      : null;
  const muxer = await av.Muxer.open(path, { format });
  try {
    const videoIndex = muxer.addStream(videoEncoder);
    const audioIndex = audioEncoder ? muxer.addStream(audioEncoder) : -1;
    const pixels = picture(width, height);
    const samplesPerFrame = SAMPLES_OF[format];
    const totalSamples = Math.round((frames / fps) * SAMPLE_RATE);
    let written = 0;
    const write = async (encoder: Encoder, frame: Frame | null, index: number) => {
      for (const packet of await encoder.encodeAll(frame)) {
        await muxer.writePacket(packet, index);
        packet.free();
      }
    };
    for (let i = 0; i < frames; i++) {
      const frame = av.Frame.fromVideoBuffer(pixels, {
        width,
        height,
        format: av.AV_PIX_FMT_YUV420P,
        timeBase: { num: 1, den: fps },
        pts: BigInt(i),
      });
      await write(videoEncoder, frame, videoIndex);
      frame.free();
      // audio up to the end of this video frame, whole audio frames only
      while (audioEncoder && written + samplesPerFrame <= Math.min(totalSamples, ((i + 1) / fps) * SAMPLE_RATE)) {
        const tone = new Float32Array(samplesPerFrame);
        for (let s = 0; s < samplesPerFrame; s++)
          tone[s] = 0.5 * Math.sin((2 * Math.PI * toneHz * (written + s)) / SAMPLE_RATE);
        const audio = av.Frame.fromAudioBuffer(Buffer.from(tone.buffer), {
          nbSamples: samplesPerFrame,
          format: av.AV_SAMPLE_FMT_FLT,
          sampleRate: SAMPLE_RATE,
          channelLayout: av.AV_CHANNEL_LAYOUT_MONO,
          timeBase: { num: 1, den: SAMPLE_RATE },
          pts: BigInt(written),
        });
        await write(audioEncoder, audio, audioIndex);
        audio.free();
        written += samplesPerFrame;
      }
    }
    await write(videoEncoder, null, videoIndex);
    if (audioEncoder) await write(audioEncoder, null, audioIndex);
  } finally {
    await muxer.close();
    videoEncoder.close();
    audioEncoder?.close();
  }
}
