/**
 * transformAudio's pipeline: the video TransformPipeline given AudioFrame's check. Pass-through by
 * default; a transform that throws, errors or emits a malformed AudioFrame passes that frame
 * through unchanged, is reported, and the next frame runs the transform again.
 */
import { map, Observable } from 'rxjs';
import type { AudioFrame } from '../../src/media';
import { scaleAudio } from '../../src/media/audio-level';
import { audioOutputCheck, TransformPipeline } from '../../src/streamer/pipeline';

function frameOf(value: number, timestamp = 0): AudioFrame {
  return { sampleRate: 48000, channels: 1, samples: 960, timestamp, data: new Float32Array(960).fill(value) };
}

function setup() {
  const out: AudioFrame[] = [];
  const errors: string[] = [];
  let recovered = 0;
  const pipeline = new TransformPipeline<AudioFrame>(
    {
      output: (frame) => out.push(frame),
      error: (error) => errors.push((error as Error).message),
      recovered: () => recovered++,
    },
    audioOutputCheck,
    false,
  );
  return { pipeline, out, errors, recovered: () => recovered };
}

const half = (audio$: Observable<AudioFrame>) => audio$.pipe(map((a) => scaleAudio(a, 0.5)));

describe('audio transform pipeline', () => {
  it('passes audio through in order until a transform is set, then applies it', () => {
    const { pipeline, out } = setup();
    pipeline.push(frameOf(0.5, 0));
    pipeline.push(frameOf(0.25, 20));
    expect(out.map((f) => [f.data[0], f.timestamp])).toEqual([
      [0.5, 0],
      [0.25, 20],
    ]);
    pipeline.setTransform(half);
    // unlike video, the latest 20 ms is not run again through the new transform (heard twice)
    expect(out).toHaveLength(2);
    pipeline.push(frameOf(0.5, 40));
    expect(out.slice(2).map((f) => f.data[0])).toEqual([0.25]);
  });

  it.each([
    ['samples that do not match the data', (a: AudioFrame) => ({ ...a, samples: 100 })],
    ['a sample rate out of range', (a: AudioFrame) => ({ ...a, sampleRate: 1 })],
    ['three channels', (a: AudioFrame) => ({ ...a, channels: 3 })],
    ['a NaN timestamp', (a: AudioFrame) => ({ ...a, timestamp: NaN })],
    ['data that is not Float32Array', (a: AudioFrame) => ({ ...a, data: Array.from(a.data) })],
  ])('a malformed output (%s) passes the input through and is reported', (_why, spoil) => {
    const { pipeline, out, errors, recovered } = setup();
    let broken = true;
    pipeline.setTransform((audio$) => audio$.pipe(map((a) => (broken ? (spoil(a) as AudioFrame) : a))));
    pipeline.push(frameOf(0.5));
    expect(out).toHaveLength(1);
    expect(out[0].data[0]).toBe(0.5);
    expect(out[0].samples).toBe(960);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/transformAudio emitted a malformed AudioFrame/);
    expect(pipeline.transformErrors).toBe(1);
    return Promise.resolve().then(() => {
      broken = false;
      pipeline.push(frameOf(0.25));
      expect(out.map((f) => f.data[0])).toEqual([0.5, 0.25]);
      expect(recovered()).toBe(1);
    });
  });

  it('a transform that throws passes the frame through; the stream goes on', async () => {
    const { pipeline, out, errors } = setup();
    let calls = 0;
    pipeline.setTransform((audio$) =>
      audio$.pipe(
        map((a) => {
          if (++calls === 1) throw new Error('boom');
          return scaleAudio(a, 2);
        }),
      ),
    );
    pipeline.push(frameOf(0.25));
    expect(errors).toEqual(['boom']);
    await Promise.resolve(); // resubscribed after the failing emission
    pipeline.push(frameOf(0.25));
    expect(out.map((f) => f.data[0])).toEqual([0.25, 0.5]);
  });
});
