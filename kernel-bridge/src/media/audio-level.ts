/**
 * Small audio measurements and edits for notebooks (and the tests that check the audio path):
 * loudness (rms), the strength of one tone (Goertzel: one frequency without a whole FFT) and a gain.
 * Plain loops over an AudioFrame's samples; a new frame is returned, the input is left alone.
 */
import type { AudioFrame } from './audio-frame';

/** Root mean square of all samples (0 = silence, ~0.707 = a full-scale sine). */
export function rms(frame: AudioFrame): number {
  const d = frame.data;
  if (d.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < d.length; i++) sum += d[i] * d[i];
  return Math.sqrt(sum / d.length);
}

/**
 * Amplitude (0..1 for a full-scale sine) of the tone at `hz` in the frame's first channel, by the
 * Goertzel algorithm. A 20 ms frame resolves tones ~50 Hz apart.
 */
export function toneLevel(frame: AudioFrame, hz: number): number {
  const n = frame.samples;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / frame.sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = frame.data[i * frame.channels] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / n;
}

/** The frame with every sample multiplied by `gain` (clipped to -1..1). */
export function scaleAudio(frame: AudioFrame, gain: number): AudioFrame {
  const data = new Float32Array(frame.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(-1, Math.min(1, frame.data[i] * gain));
  return { ...frame, data };
}
