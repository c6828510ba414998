/**
 * @jest-environment ./test/media/native-env.js
 *
 * Opus through node-av's libopus: what goes in comes out at the same pitch (encode -> decode keeps a
 * sine's frequency), and the audio helpers notebooks use measure it.
 */
import { OPUS_FRAME_SAMPLES, OPUS_SAMPLE_RATE, OpusDecoder, OpusEncoder } from '../../src/media/opus';
import { rms, scaleAudio, toneLevel } from '../../src/media/audio-level';
import type { AudioFrame } from '../../src/media/audio-frame';

function sine(hz: number, frames: number, channels: 1 | 2, amplitude = 0.5): Float32Array[] {
  const out: Float32Array[] = [];
  let t = 0;
  for (let f = 0; f < frames; f++) {
    const pcm = new Float32Array(OPUS_FRAME_SAMPLES * channels);
    for (let i = 0; i < OPUS_FRAME_SAMPLES; i++, t++) {
      const v = amplitude * Math.sin((2 * Math.PI * hz * t) / OPUS_SAMPLE_RATE);
      for (let c = 0; c < channels; c++) pcm[i * channels + c] = v;
    }
    out.push(pcm);
  }
  return out;
}

const frameOf = (data: Float32Array, channels = 1): AudioFrame => ({
  sampleRate: OPUS_SAMPLE_RATE,
  channels,
  samples: data.length / channels,
  timestamp: 0,
  data,
});

describe.each([1, 2] as const)('Opus round trip (%i channel(s) encoded, mono decoded)', (channels) => {
  test('a 1 kHz sine comes back at 1 kHz, not at 500 Hz or 2 kHz', () => {
    const encoder = new OpusEncoder({ channels });
    const decoder = new OpusDecoder(1);
    const decoded: AudioFrame[] = [];
    try {
      sine(1000, 25, channels).forEach((pcm, i) =>
        encoder.encode(pcm, i * OPUS_FRAME_SAMPLES, (packet) => {
          expect(packet.length).toBeGreaterThan(0);
          const n = decoder.decode(packet, (out, samples) => decoded.push(frameOf(out.slice(), 1)));
          expect(n).toBe(1);
          expect(decoded[decoded.length - 1].samples).toBe(OPUS_FRAME_SAMPLES);
        }),
      );
    } finally {
      encoder.close();
      decoder.close();
    }
    expect(decoded.length).toBeGreaterThanOrEqual(24);
    const settled = decoded.slice(5); // past the codec's start-up
    for (const frame of settled) {
      const at1k = toneLevel(frame, 1000);
      expect(at1k).toBeGreaterThan(0.3);
      expect(toneLevel(frame, 500)).toBeLessThan(at1k / 10);
      expect(toneLevel(frame, 2000)).toBeLessThan(at1k / 10);
    }
  });
});

test('a corrupt packet is an error code, not a crash, and the decoder goes on', () => {
  const decoder = new OpusDecoder(1);
  const encoder = new OpusEncoder({ channels: 1 });
  try {
    // TOC byte of a code-3 packet announcing more frames than it holds
    expect(decoder.decode(Buffer.from([0xff, 0xff]), () => undefined)).toBeLessThan(0);
    let after = 0;
    encoder.encode(sine(440, 1, 1)[0], 0, (p) => (after += decoder.decode(p, () => undefined)));
    expect(after).toBe(1);
  } finally {
    decoder.close();
    encoder.close();
  }
});

test('the encoder refuses a frame that is not 20 ms', () => {
  const encoder = new OpusEncoder({ channels: 1 });
  try {
    expect(() => encoder.encode(new Float32Array(100), 0, () => undefined)).toThrow(/960 samples/);
  } finally {
    encoder.close();
  }
});

test('rms, toneLevel and scaleAudio', () => {
  const [pcm] = sine(1000, 1, 1, 0.5);
  const frame = frameOf(pcm);
  expect(rms(frame)).toBeCloseTo(0.5 / Math.SQRT2, 2);
  expect(toneLevel(frame, 1000)).toBeCloseTo(0.5, 1);
  const silent = scaleAudio(frame, 0);
  expect(rms(silent)).toBe(0);
  expect(frame.data[10]).not.toBe(0); // the input is left alone
  expect(Math.max(...scaleAudio(frame, 10).data)).toBe(1); // clipped
});
