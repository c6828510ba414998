/**
 * @jest-environment ./test/media/native-env.js
 *
 * The streamer's audio API without a peer: the `audio` option becomes the synced trait, audio fed
 * in (feedAudio) goes through transformAudio, and a
 * transformAudio that throws or emits a malformed frame shows as `transform_error` ("audio: ...")
 * and in the log, while its frames pass through; a working one clears only its own error.
 */
import { firstValueFrom, filter, map } from 'rxjs';
import type { AudioFrame } from '../../src/media';
import { scaleAudio } from '../../src/media/audio-level';
import { webrtcStreamer } from '../../src/streamer';
import { freshKernel } from '../widgets/fake-kernel';

const frame = (value: number): AudioFrame => ({
  sampleRate: 48000,
  channels: 1,
  samples: 960,
  timestamp: 1000,
  data: new Float32Array(960).fill(value),
});

describe('streamer audio', () => {
  it('syncs the audio option, runs transformAudio on fed audio, and reports its errors', async () => {
    freshKernel();
    const quiet = webrtcStreamer({ key: 'no-audio-test' });
    const streamer = webrtcStreamer({ key: 'audio-test', audio: true });
    try {
      expect(quiet.get('audio')).toBe(false);
      expect(streamer.get('audio')).toBe(true);
      const seen: number[] = [];
      streamer.audio$.subscribe((a) => seen.push(a.data[0]));
      streamer.transformAudio((audio$) => audio$.pipe(map((a) => scaleAudio(a, 2))));
      streamer.feedAudio(frame(0.25));
      expect(seen).toEqual([0.25]);
      expect(streamer.get('transform_error')).toBe('');

      streamer.transformAudio((audio$) => audio$.pipe(map((a) => ({ ...a, samples: 7 }))));
      streamer.feedAudio(frame(0.5));
      expect(streamer.get('transform_error')).toMatch(/^audio: .*malformed AudioFrame: data is not a Float32Array/);
      const lines = await firstValueFrom(
        streamer.observe('log').pipe(filter((l) => l.some((line) => line.includes('malformed')))),
      );
      expect(lines.at(-1)).toMatch(/audio frame \d+: transform error: audio: /);

      // a video transform recovering does not clear the audio error
      (streamer as unknown as { onTransformRecovered(of: string): void }).onTransformRecovered('video');
      expect(streamer.get('transform_error')).toMatch(/^audio: /);
      streamer.transformAudio((audio$) => audio$);
      await Promise.resolve();
      streamer.feedAudio(frame(0.5));
      expect(streamer.get('transform_error')).toBe('');
    } finally {
      streamer.close();
      quiet.close();
    }
  });
});
