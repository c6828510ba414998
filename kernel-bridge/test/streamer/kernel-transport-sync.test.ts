/**
 * @jest-environment ./test/media/native-env.js
 *
 * Lip sync over the kernel transport, through the real media worker: the browser's camera frames
 * and microphone packets, stamped on one clock as Chrome does, come out of frames$ and audio$ on
 * one clock (rtc/worker/chunk-clock.ts), whichever track's first packet came later, and never go
 * backwards. (test/rtc/chunk-clock.test.ts covers the mapping's cases; this is the wiring.)
 */
import { firstValueFrom, take } from 'rxjs';
import { Vp8Encoder } from '../../src/media/codecs';
import { MediaPeer } from '../../src/rtc/media-peer';
import { KernelTransportLink } from '../../src/streamer/kernel-transport';
import { OPUS_FRAME_SAMPLES, OpusEncoder } from '../../src/media/opus';
import { MEDIA_HEADER_BYTES, writeMediaHeader } from '../../src/streamer/protocol';
import { H, W, level } from './flat-frames';

/** Chrome's capture clock (TimeTicks: since boot) against this process's: far apart. */
const BROWSER_CLOCK_OFFSET_MS = -1_699_000_000_000;

function message(kind: 'video' | 'audio', seq: number, data: Uint8Array, timestamp: number): Uint8Array {
  const bytes = new Uint8Array(MEDIA_HEADER_BYTES + data.byteLength);
  writeMediaHeader(bytes, kind, seq, kind === 'video', timestamp);
  bytes.set(data, MEDIA_HEADER_BYTES);
  return bytes;
}

describe('kernel transport lip sync with a real media worker', () => {
  jest.setTimeout(30000);

  it("video's first frame 250 ms late, audio's 30 ms: frames$ and audio$ settle on one clock, within 1 ms", async () => {
    const peer = await MediaPeer.create();
    const errors: string[] = [];
    peer.errors$.subscribe((e) => errors.push(e.message));
    const link = new KernelTransportLink(
      peer,
      () => undefined,
      (p) => errors.push(p),
      { in: true, out: false },
      false,
    );
    const vp8 = new Vp8Encoder();
    const opus = new OpusEncoder({ channels: 1 });
    const silence = new Float32Array(OPUS_FRAME_SAMPLES);
    try {
      peer.useChunks();
      /** What the browser stamps on a capture `delayMs` before now. */
      const capturedAgo = (delayMs: number) => Date.now() + BROWSER_CLOCK_OFFSET_MS - delayMs;
      const rounds = 40;
      const pairs: { video: number; videoIn: number; audio: number; audioIn: number }[] = [];
      let lastVideo = -Infinity;
      let lastAudio = -Infinity;
      for (let r = 0; r < rounds; r++) {
        // each round: one frame and one audio packet captured at the same moment, the packet 25 ms
        // ago (30 the first time), the frame 8 ms ago (250 the first time: sent after the audio)
        const audioIn = capturedAgo(r === 0 ? 30 : 25);
        const videoIn = r === 0 ? audioIn - 220 : audioIn + 17;
        const heard = firstValueFrom(peer.audio$.pipe(take(1)));
        const seen = firstValueFrom(peer.frames$.pipe(take(1)));
        heard.catch(() => undefined);
        seen.catch(() => undefined);
        const packets: Uint8Array[] = [];
        opus.encode(silence, r * OPUS_FRAME_SAMPLES, (data) => packets.push(new Uint8Array(data)));
        link.receive([message('audio', r, packets[0], audioIn)]);
        const frames: Uint8Array[] = [];
        vp8.encode(level(60 + r), W, H, r, true, (data) => frames.push(new Uint8Array(data)));
        link.receive([message('video', r, frames[0], videoIn)]);
        const [audio, video] = await Promise.all([heard, seen]).catch((e) => {
          throw new Error(`round ${r}: nothing came (${errors.join('; ')}): ${e}`);
        });
        expect(audio.timestamp).toBeGreaterThanOrEqual(lastAudio);
        expect(video.timestamp).toBeGreaterThanOrEqual(lastVideo);
        lastAudio = audio.timestamp;
        lastVideo = video.timestamp;
        pairs.push({ video: video.timestamp, videoIn, audio: audio.timestamp, audioIn });
      }
      // settled: one origin (kernel time - browser time) for both tracks, near this process's clock
      for (const p of pairs.slice(-5)) {
        expect(Math.abs(p.video - p.videoIn - (p.audio - p.audioIn))).toBeLessThan(1);
        expect(Math.abs(p.video - (p.videoIn - BROWSER_CLOCK_OFFSET_MS))).toBeLessThan(1000);
      }
      expect(errors).toEqual([]);
    } finally {
      vp8.close();
      opus.close();
      link.close();
      await peer.close();
    }
  });
});
