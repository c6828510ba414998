/**
 * SourceFeed (streamer/source.ts) on its own: subscribed only between start() and stop(), swapped
 * at once while playing, values checked (non-frames skipped and told once in a row), and a source
 * that errors or completes, even while being subscribed, told without throwing; a source's own
 * `audio$` (as a MediaFile has) subscribed with it when the stream takes audio.
 */
import { Observable, Subject, throwError } from 'rxjs';
import { AudioFrame, createI420Frame, Frame } from '../../src/media';
import { checkSource, frameProblem, SourceFeed } from '../../src/streamer/source';

function setup(wantsAudio = false) {
  const frames: Frame[] = [];
  const audio: AudioFrame[] = [];
  const problems: string[] = [];
  let runs = 0;
  const feed = new SourceFeed({
    frame: (frame) => frames.push(frame),
    audio: (frame) => audio.push(frame),
    wantsAudio: () => wantsAudio,
    problem: (message) => problems.push(message),
    run: (fn) => {
      runs++;
      return fn();
    },
  });
  return { feed, frames, audio, problems, runs: () => runs };
}

const tone = (): AudioFrame => ({
  sampleRate: 48000,
  channels: 1,
  samples: 960,
  timestamp: 0,
  data: new Float32Array(960),
});

/** A video source with an audio$ of its own, as mediaFile() returns. */
function withAudio() {
  const video = new Subject<Frame>();
  const audio$ = new Subject<unknown>();
  return { source: Object.assign(video.asObservable(), { audio$ }), video, audio$ };
}

describe('SourceFeed', () => {
  it("feeds a source's audio$ while playing when the stream takes audio; malformed audio is skipped and told", () => {
    const { feed, audio, problems } = setup(true);
    const { source, audio$ } = withAudio();
    feed.set(source);
    expect(audio$.observed).toBe(false);
    feed.start();
    expect(audio$.observed).toBe(true);
    expect(feed.hasAudio).toBe(false); // the microphone feeds transformAudio until the source's audio flows
    const frame = tone();
    audio$.next(frame);
    expect(feed.hasAudio).toBe(true);
    audio$.next({ ...tone(), samples: 7 });
    expect(audio.map((a) => a.data)).toEqual([frame.data]);
    expect(problems).toEqual([
      expect.stringMatching(/audio\$ emitted a malformed AudioFrame \(data is not a Float32Array/),
    ]);
    feed.stop();
    expect(audio$.observed).toBe(false);
    expect(feed.hasAudio).toBe(false);
  });

  it("leaves a source's audio$ alone when the stream has no audio", () => {
    const { feed } = setup(false);
    const { source, audio$ } = withAudio();
    feed.set(source);
    feed.start();
    expect(feed.hasAudio).toBe(false);
    expect(audio$.observed).toBe(false);
    expect(feed.subscribed).toBe(true);
  });

  it('subscribes only while playing, and swaps sources at once', () => {
    const { feed, frames, runs } = setup();
    const a = new Subject<Frame>();
    feed.set(a);
    expect(a.observed).toBe(false);
    feed.start();
    expect(a.observed).toBe(true);
    expect(runs()).toBe(1);
    feed.start(); // idempotent
    expect(runs()).toBe(1);
    const frame = createI420Frame(4, 4);
    a.next(frame);
    expect(frames.map((f) => f.data)).toEqual([frame.data]); // the same pixels, re-stamped (source-clock.test.ts)
    const b = new Subject<Frame>();
    feed.set(b);
    expect(a.observed).toBe(false);
    expect(b.observed).toBe(true);
    feed.set(b); // the same source: kept as it is
    expect(runs()).toBe(2);
    feed.stop();
    expect(b.observed).toBe(false);
    expect(feed.subscribed).toBe(false);
    feed.set(null);
    feed.start();
    expect(feed.subscribed).toBe(false);
  });

  it('skips non-frames (told once in a row) and tells an error or the end without throwing', () => {
    const { feed, frames, problems } = setup();
    const source = new Subject<unknown>();
    feed.set(source as Subject<Frame>);
    feed.start();
    source.next(42);
    source.next(43);
    source.next({ width: 4, height: 4, data: new Uint8Array(3) });
    expect(frames).toEqual([]);
    expect(problems).toEqual([
      'the source emitted something that is not a Frame (got number): skipped',
      'the source emitted something that is not a Frame (its data holds 3 bytes, an I420 4x4 frame needs 24): skipped',
    ]);
    source.error(new Error('gone'));
    expect(problems.at(-1)).toBe('source error: Error: gone (nothing new is sent until the source is replaced)');
    expect(feed.subscribed).toBe(false);

    // Errors while being subscribed (throwError), a throwing subscribe, and a completing source.
    feed.set(throwError(() => new TypeError('at once')));
    expect(problems.at(-1)).toBe('source error: TypeError: at once (nothing new is sent until the source is replaced)');
    expect(feed.subscribed).toBe(false);
    feed.set({
      subscribe: () => {
        throw new Error('no subscribe');
      },
    });
    expect(problems.at(-1)).toBe('source error: Error: no subscribe (the source could not be subscribed)');
    feed.set(new Observable<Frame>((subscriber) => subscriber.complete()));
    expect(problems.at(-1)).toBe('the source completed (nothing new is sent until the source is replaced)');
  });

  it('checks what a source and a frame are', () => {
    expect(checkSource(undefined)).toBeNull();
    expect(() => checkSource(5)).toThrow(
      'source must be an Observable of frames, e.g. interval(33).pipe(map(drawClock)), got number',
    );
    expect(frameProblem(createI420Frame(2, 2))).toBeNull();
    expect(frameProblem({ width: 2, height: 2, data: [1] })).toBe('its data is not a Uint8Array of I420 pixels');
  });
});
