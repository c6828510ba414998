import { map, Observable, take, throwError } from 'rxjs';
import { createI420Frame, Frame } from '../../src/media';
import { TransformPipeline } from '../../src/streamer/pipeline';
import { RETRIES_BEFORE_BACKOFF } from '../../src/streamer/retry-gate';

function frameOf(value: number): Frame {
  const frame = createI420Frame(4, 4, value);
  frame.data.fill(value);
  return frame;
}

function setup() {
  const out: number[] = [];
  const errors: string[] = [];
  let recovered = 0;
  const pipeline = new TransformPipeline({
    output: (frame) => out.push(frame.data[0]),
    error: (error) => errors.push((error as Error).message),
    recovered: () => recovered++,
  });
  return { pipeline, out, errors, recovered: () => recovered };
}

const addOne = (frames$: Observable<Frame>) =>
  frames$.pipe(
    map((f) => {
      const g = createI420Frame(f.width, f.height, f.timestamp);
      g.data.set(f.data.map((v) => v + 1));
      return g;
    }),
  );

describe('transform pipeline', () => {
  it('passes frames through until a transform is set, then applies it', () => {
    const { pipeline, out } = setup();
    pipeline.push(frameOf(1));
    pipeline.setTransform(addOne);
    expect(out).toEqual([1, 2]);
    pipeline.push(frameOf(5));
    expect(out).toEqual([1, 2, 6]);
  });

  it('swaps the transform for the next frame', () => {
    const { pipeline, out } = setup();
    pipeline.setTransform(addOne);
    pipeline.push(frameOf(10));
    pipeline.setTransform((frames$) => frames$.pipe(map((f) => frameOf(f.data[0] * 2))));
    expect(out).toEqual([11, 20]);
  });

  it('passes the failing frame through, reports, and keeps the transform for the next frame', async () => {
    const { pipeline, out, errors, recovered } = setup();
    pipeline.setTransform((frames$) =>
      frames$.pipe(
        map((f) => {
          if (f.data[0] === 3) throw new Error('bad frame');
          return frameOf(f.data[0] + 100);
        }),
      ),
    );
    pipeline.push(frameOf(1));
    pipeline.push(frameOf(3));
    await Promise.resolve();
    pipeline.push(frameOf(5));
    expect(out).toEqual([101, 3, 105]);
    expect(errors).toEqual(['bad frame']);
    expect(recovered()).toBe(1);
  });

  it('reports a transform that emits something other than a frame and passes the input through', async () => {
    const { pipeline, out, errors } = setup();
    pipeline.setTransform((frames$) => frames$.pipe(map(() => ({ not: 'a frame' }) as unknown as Frame)));
    pipeline.push(frameOf(7));
    expect(out).toEqual([7]);
    expect(errors[0]).toMatch(/not a Frame/);
  });

  it('tries a new transform on the latest frame at once, so its error is raised while it is set', () => {
    const { pipeline, out, errors } = setup();
    pipeline.push(frameOf(4));
    pipeline.setTransform((frames$) =>
      frames$.pipe(
        map((): Frame => {
          throw new Error('broken');
        }),
      ),
    );
    expect(errors).toEqual(['broken']);
    expect(out).toEqual([4, 4]);
  });

  it('falls back to pass-through when the transform cannot be set up', () => {
    const { pipeline, out, errors } = setup();
    pipeline.setTransform(() => {
      throw new Error('setup failed');
    });
    pipeline.push(frameOf(9));
    expect(out).toEqual([9]);
    expect(errors).toEqual(['setup failed']);
  });

  it('runs the set-up and every frame through events.run (the streamer captures output there), counting frames', () => {
    const inside: string[] = [];
    let running = false;
    const pipeline = new TransformPipeline({
      output: () => undefined,
      error: () => undefined,
      recovered: () => undefined,
      run: (fn) => {
        running = true;
        try {
          return fn();
        } finally {
          running = false;
        }
      },
    });
    pipeline.setTransform((frames$) => {
      inside.push(`set up ${running}`);
      return frames$.pipe(map((f) => (inside.push(`frame ${f.data[0]} ${running}`), f)));
    });
    pipeline.push(frameOf(1));
    pipeline.push(frameOf(2));
    expect(inside).toEqual(['set up true', 'frame 1 true', 'frame 2 true']);
    expect(pipeline.frameCount).toBe(2);
  });
  it('keeps frames$ for the browser frames: a source feeds the transform only', () => {
    const { pipeline, out } = setup();
    const seen: number[] = [];
    pipeline.frames$.subscribe((frame) => seen.push(frame.data[0]));
    pipeline.setTransform(addOne);
    pipeline.pushSource(frameOf(10));
    pipeline.push(frameOf(20), false);
    pipeline.push(frameOf(30));
    expect(seen).toEqual([20, 30]);
    expect(out).toEqual([11, 31]);
    // A new transform retries the latest input, without showing it on frames$ again.
    pipeline.setTransform((frames$) => frames$);
    expect(out).toEqual([11, 31, 30]);
    expect(seen).toEqual([20, 30]);
  });
});

describe('transform pipeline retries', () => {
  /** Ends a retry loop (the transform stops failing) so the test fails instead of hanging. */
  const LOOP_GUARD = 1000;

  it('a transform that errors as it is subscribed: one error per frame at most, frames pass through, timers run', async () => {
    const out: number[] = [];
    let errors = 0;
    const pipeline = new TransformPipeline({
      output: (frame) => out.push(frame.data[0]),
      error: () => errors++,
      recovered: () => undefined,
    });
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0);
    let subscriptions = 0;
    pipeline.setTransform((frames$) =>
      ++subscriptions > LOOP_GUARD ? frames$.pipe(take(0)) : throwError(() => new Error('at once')),
    );
    let frames = 0;
    while (!timerFired) {
      pipeline.push(frameOf(++frames % 200));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(errors).toBeGreaterThan(0);
    expect(errors).toBeLessThanOrEqual(frames + 1);
    // every frame shown once, unprocessed
    expect(out).toEqual(Array.from({ length: frames }, (_, i) => (i + 1) % 200));
    pipeline.close();
  });

  it('backs off after a few failures in a row (frames pass through meanwhile)', () => {
    const { pipeline, out, errors } = setup();
    let subscriptions = 0;
    pipeline.setTransform((frames$) =>
      ++subscriptions > LOOP_GUARD ? frames$.pipe(take(0)) : throwError(() => new Error('broken')),
    );
    for (let n = 1; n <= 10; n++) pipeline.push(frameOf(n));
    expect(subscriptions).toBe(RETRIES_BEFORE_BACKOFF);
    expect(errors).toHaveLength(RETRIES_BEFORE_BACKOFF);
    expect(out).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('transform pipeline timestamps', () => {
  it('maps an input frame timestamp to its output frame, for a transform that retimes its frames', () => {
    const { pipeline } = setup();
    let n = 0;
    pipeline.setTransform((frames$) => frames$.pipe(map((f) => createI420Frame(f.width, f.height, 5000 + ++n))));
    for (let t = 1; t <= 100; t++) pipeline.push(createI420Frame(4, 4, t * 33));
    expect(pipeline.outputTimestampOf(100 * 33)).toBe(5100);
    expect(pipeline.outputTimestampOf(90 * 33)).toBe(5090);
    // unchanged timestamps, and ones too old to be remembered, map to themselves
    expect(pipeline.outputTimestampOf(33)).toBe(33);
    pipeline.setTransform((frames$) => frames$);
    pipeline.push(createI420Frame(4, 4, 7777));
    expect(pipeline.outputTimestampOf(7777)).toBe(7777);
  });
});
