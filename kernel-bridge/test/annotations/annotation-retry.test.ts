/**
 * An annotate function whose observable errors as it is subscribed must not hang the kernel: it was
 * subscribed again in a microtask, so `() => throwError(...)` looped without the event loop ever
 * running (100,001 problems before a 50 ms timer fired). It is now retried before a later frame,
 * with a backoff after a few failures in a row (streamer/retry-gate.ts).
 */
import { from, map, throwError } from 'rxjs';
import type { FrameAnnotations } from '../../src/annotations/types';
import { createI420Frame, type Frame } from '../../src/media';
import { AnnotationChannel, type Annotator } from '../../src/streamer/annotations';
import { FIRST_BACKOFF_MS, RETRIES_BEFORE_BACKOFF } from '../../src/streamer/retry-gate';

/** Stops a looping channel (closing it ends the old microtask retries) so the test fails instead of hanging. */
const LOOP_GUARD = 1000;

function channelOf(now: () => number = () => performance.now()) {
  const problems: string[] = [];
  const sent: FrameAnnotations[] = [];
  let runs = 0;
  const channel: AnnotationChannel = new AnnotationChannel(
    {
      send: (a) => sent.push(a),
      problem: (message) => {
        problems.push(message);
        if (problems.length === LOOP_GUARD) channel.close();
      },
      recovered: () => undefined,
      run: (fn) => (runs++, fn()),
    },
    now,
  );
  return { channel, problems, sent, runs: () => runs };
}

const frameAt = (timestamp: number): Frame => createI420Frame(8, 8, timestamp);

describe('AnnotationChannel retries', () => {
  const failing: Array<[string, Annotator]> = [
    ['throwError', () => throwError(() => new Error('at once'))],
    ['a rejected promise', () => from(Promise.reject(new Error('rejected')))],
  ];
  it.each(failing)('%s: at most one problem per frame, and a timer fires in between', async (_name, annotator) => {
    const { channel, problems } = channelOf();
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0);
    channel.set(annotator);
    let frames = 0;
    while (!timerFired) {
      channel.push(frameAt(++frames));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(timerFired).toBe(true);
    expect(problems.length).toBeLessThanOrEqual(frames + 1);
    expect(problems.length).toBeGreaterThan(0);
    channel.close();
  });

  it('backs off after a few failures in a row, and a valid result ends the backoff', () => {
    let now = 0;
    const { channel, problems, sent } = channelOf(() => now);
    let subscriptions = 0;
    let healthy = false;
    channel.set((frames$) => {
      subscriptions++;
      return healthy
        ? frames$.pipe(map((f) => ({ timestamp: f.timestamp, width: 8, height: 8, items: [] })))
        : throwError(() => new Error('broken'));
    });
    // the set-up's failure, then one retry per frame until the backoff starts
    for (let t = 1; t <= 10; t++) channel.push(frameAt(t));
    expect(subscriptions).toBe(RETRIES_BEFORE_BACKOFF);
    expect(problems).toHaveLength(RETRIES_BEFORE_BACKOFF);
    now += FIRST_BACKOFF_MS - 1;
    channel.push(frameAt(11));
    expect(subscriptions).toBe(RETRIES_BEFORE_BACKOFF);
    now += 1;
    channel.push(frameAt(12));
    expect(subscriptions).toBe(RETRIES_BEFORE_BACKOFF + 1);
    // the next backoff is twice as long
    now += FIRST_BACKOFF_MS;
    channel.push(frameAt(13));
    expect(subscriptions).toBe(RETRIES_BEFORE_BACKOFF + 1);
    healthy = true;
    now += FIRST_BACKOFF_MS;
    channel.push(frameAt(14));
    expect(subscriptions).toBe(RETRIES_BEFORE_BACKOFF + 2);
    expect(sent.map((a) => a.timestamp)).toEqual([14]);
    channel.close();
  });

  it('a plain Observable of results costs nothing per frame', () => {
    const { channel, runs } = channelOf();
    channel.set(from([{ timestamp: 1, width: 8, height: 8, items: [] }]));
    const before = runs();
    for (let t = 1; t <= 5; t++) channel.push(frameAt(t));
    expect(runs()).toBe(before);
    channel.close();
  });
});
