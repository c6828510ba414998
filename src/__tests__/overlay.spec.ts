/**
 * The annotations overlay: which annotations are drawn on a shown frame
 * (RTP timestamps, across the 32-bit wrap), how they fade, where they land
 * on a letterboxed video, and the overlay itself following a video's frame
 * callbacks. The message checks are in protocol.spec.ts (shared fixture).
 */
import fixture from '../../kernel-bridge/test/fixtures/streamer-protocol.json';
import { IAnnotationsMessage, parseAnnotationsMessage } from '../streamer/annotations-protocol';
import { boxCaption, containRect, DEFAULT_ANNOTATION_COLOUR, drawAnnotations } from '../streamer/overlay-draw';
import { AnnotationOverlay } from '../streamer/overlay';
import {
  AnnotationTimeline,
  FADE_END_MS,
  FADE_START_MS,
  fadeAlpha,
  MAX_PENDING,
  MAX_WAIT_MS,
  rtpAtOrBefore,
} from '../streamer/overlay-timing';

const limits: Record<string, number> = fixture.limits;

const at = (rtp: number | null, timestamp = rtp ?? 0): IAnnotationsMessage => ({
  type: 'annotations',
  timestamp,
  rtp,
  width: 640,
  height: 480,
  items: [],
});

describe('rtpAtOrBefore', () => {
  it('orders RTP timestamps, across the wrap of the 32-bit field', () => {
    expect(rtpAtOrBefore(100, 100)).toBe(true);
    expect(rtpAtOrBefore(100, 3100)).toBe(true);
    expect(rtpAtOrBefore(3100, 100)).toBe(false);
    // 2^32 - 1000 comes before 2000 once the field wrapped
    expect(rtpAtOrBefore(2 ** 32 - 1000, 2000)).toBe(true);
    expect(rtpAtOrBefore(2000, 2 ** 32 - 1000)).toBe(false);
  });
});

describe('fadeAlpha', () => {
  it('is 1 until FADE_START_MS, then falls linearly to 0 at FADE_END_MS', () => {
    expect(fadeAlpha(0)).toBe(1);
    expect(fadeAlpha(FADE_START_MS)).toBe(1);
    expect(fadeAlpha((FADE_START_MS + FADE_END_MS) / 2)).toBeCloseTo(0.5);
    expect(fadeAlpha(FADE_END_MS)).toBe(0);
    expect(fadeAlpha(FADE_END_MS + 1000)).toBe(0);
    expect(FADE_START_MS).toBe(500);
    expect(FADE_END_MS).toBe(1500);
  });
});

describe('AnnotationTimeline', () => {
  it('draws the newest annotations at or before the shown frame, waiting for frames not yet shown', () => {
    const timeline = new AnnotationTimeline<IAnnotationsMessage>();
    timeline.add(at(1000), 0);
    timeline.add(at(4000), 0);
    timeline.add(at(7000), 0);
    expect(timeline.pick(999, 10)).toBeNull();
    expect(timeline.pick(1000, 20)?.value.rtp).toBe(1000);
    // between two: the earlier one still
    expect(timeline.pick(6999, 30)?.value.rtp).toBe(4000);
    expect(timeline.pick(9000, 40)?.value.rtp).toBe(7000);
    expect(timeline.busy).toBe(true);
  });

  it('works across the wrap', () => {
    const timeline = new AnnotationTimeline<IAnnotationsMessage>();
    timeline.add(at(2 ** 32 - 3000), 0);
    timeline.add(at(500), 0);
    expect(timeline.pick(2 ** 32 - 10, 10)?.value.rtp).toBe(2 ** 32 - 3000);
    expect(timeline.pick(400, 20)?.value.rtp).toBe(2 ** 32 - 3000);
    expect(timeline.pick(600, 30)?.value.rtp).toBe(500);
  });

  it('keeps drawing the last ones on later frames, fading them when nothing newer comes', () => {
    const timeline = new AnnotationTimeline<IAnnotationsMessage>();
    timeline.add(at(1000), 0);
    expect(timeline.pick(1000, 100)?.alpha).toBe(1);
    expect(timeline.pick(5000, 100 + FADE_START_MS)?.alpha).toBe(1);
    expect(timeline.pick(9000, 100 + (FADE_START_MS + FADE_END_MS) / 2)?.alpha).toBeCloseTo(0.5);
    expect(timeline.pick(9000, 100 + FADE_END_MS)).toBeNull();
    expect(timeline.busy).toBe(false);
    // a newer one is drawn at full opacity again
    timeline.add(at(10000), 2000);
    expect(timeline.pick(10000, 2000)?.alpha).toBe(1);
  });

  it('draws at once what has no rtp, or when the video gives none, or after MAX_WAIT_MS', () => {
    const timeline = new AnnotationTimeline<IAnnotationsMessage>();
    timeline.add(at(null, 5), 0);
    expect(timeline.pick(10, 0)?.value.timestamp).toBe(5);
    timeline.add(at(50000), 0);
    expect(timeline.pick(null, 1)?.value.rtp).toBe(50000);
    timeline.add(at(90000), 100);
    expect(timeline.pick(60000, 100 + MAX_WAIT_MS - 1)?.value.rtp).toBe(50000);
    const late = timeline.pick(60000, 100 + MAX_WAIT_MS);
    expect(late?.value.rtp).toBe(90000);
    // said late once (the overlay counts it in data-late-draws), not on later picks of the same one
    expect(late?.late).toBe(true);
    expect(timeline.pick(60000, 100 + MAX_WAIT_MS + 1)?.late).toBeUndefined();
    // one drawn on its frame is not late
    timeline.add(at(95000), 2000);
    expect(timeline.pick(95000, 2001)?.late).toBeUndefined();
  });

  it('holds at most MAX_PENDING waiting, dropping the oldest', () => {
    const timeline = new AnnotationTimeline<IAnnotationsMessage>();
    for (let i = 1; i <= MAX_PENDING + 5; i++) {
      timeline.add(at(i * 10000), 0);
    }
    // the first five are gone: nothing at or before 50000 is left
    expect(timeline.pick(50000, 1)).toBeNull();
    expect(timeline.pick(60000, 2)?.value.rtp).toBe(60000);
  });
});

describe('overlay geometry', () => {
  it('places the picture as object-fit: contain does', () => {
    expect(containRect(640, 480, 320, 240)).toEqual({ left: 0, top: 0, width: 320, height: 240 });
    expect(containRect(640, 480, 400, 240)).toEqual({ left: 40, top: 0, width: 320, height: 240 });
    expect(containRect(640, 360, 320, 240)).toEqual({ left: 0, top: 30, width: 320, height: 180 });
  });

  it('captions a box with its label and score', () => {
    expect(boxCaption('face', 0.934)).toBe('face 93%');
    expect(boxCaption(undefined, 0.5)).toBe('50%');
    expect(boxCaption('cat', undefined)).toBe('cat');
    expect(boxCaption(undefined, undefined)).toBe('');
  });
});

describe('annotation message bounds (fixture limits)', () => {
  const base = { type: 'annotations', timestamp: 1, rtp: 5, width: 640, height: 480 };
  const box = { kind: 'box', x: 1, y: 1, width: 2, height: 2 };
  const line = (n: number) => ({ kind: 'polyline', points: Array.from({ length: n }, (_, i) => [i % 640, 1]) });

  it('takes MAX_ANNOTATION_ITEMS items and MAX_ANNOTATION_POINTS points, not one more', () => {
    const items = limits.MAX_ANNOTATION_ITEMS;
    expect(parseAnnotationsMessage({ ...base, items: Array(items).fill(box) }).ok).toBe(true);
    expect(parseAnnotationsMessage({ ...base, items: Array(items + 1).fill(box) }).ok).toBe(false);
    const points = limits.MAX_ANNOTATION_POINTS;
    expect(parseAnnotationsMessage({ ...base, items: [line(points)] }).ok).toBe(true);
    expect(parseAnnotationsMessage({ ...base, items: [line(points + 1)] })).toEqual({
      ok: false,
      reason: expect.stringContaining('items[0].points'),
    });
  });

  it('takes MAX_ANNOTATION_TOTAL_POINTS in all, not one more', () => {
    const full = limits.MAX_ANNOTATION_TOTAL_POINTS / limits.MAX_ANNOTATION_POINTS;
    const items = Array(full).fill(line(limits.MAX_ANNOTATION_POINTS));
    expect(parseAnnotationsMessage({ ...base, items }).ok).toBe(true);
    expect(parseAnnotationsMessage({ ...base, items: [...items, line(1)] })).toEqual({
      ok: false,
      reason: expect.stringContaining('points in all'),
    });
  });
});

describe('AnnotationOverlay', () => {
  type FrameCallback = (now: number, metadata: { rtpTimestamp?: number }) => void;
  let frames: FrameCallback[];
  let animation: (() => void)[];
  let calls: { name: string; args: unknown[] }[];
  let video: HTMLVideoElement;

  beforeEach(() => {
    frames = [];
    animation = [];
    calls = [];
    (globalThis as any).requestAnimationFrame = (cb: () => void) => animation.push(cb);
    (globalThis as any).cancelAnimationFrame = () => undefined;
    const ctx = new Proxy(
      {},
      {
        get: (_target, name: string) =>
          name === 'measureText'
            ? () => ({ width: 10 })
            : (...args: unknown[]) => {
                calls.push({ name, args });
              },
        set: () => true,
      },
    );
    jest.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(ctx as any);
    video = document.createElement('video');
    for (const [name, value] of Object.entries({
      clientWidth: 320,
      clientHeight: 240,
      videoWidth: 640,
      videoHeight: 480,
    })) {
      Object.defineProperty(video, name, { value });
    }
    (video as any).requestVideoFrameCallback = (cb: FrameCallback) => frames.push(cb);
    document.body.replaceChildren(video);
  });

  afterEach(() => {
    delete (globalThis as any).requestAnimationFrame;
    delete (globalThis as any).cancelAnimationFrame;
  });

  const showFrame = (rtp: number) => frames.splice(0).forEach((cb) => cb(0, { rtpTimestamp: rtp }));
  const paint = () => animation.splice(0).forEach((cb) => cb());
  const boxesDrawn = () => calls.filter((c) => c.name === 'strokeRect').map((c) => c.args);

  it('lies after its video and draws a box on the frame it belongs to, scaled to the element', () => {
    const overlay = new AnnotationOverlay();
    overlay.attach(video);
    expect(video.nextElementSibling).toBe(overlay.canvas);
    const message = { ...at(9000), items: [{ kind: 'box' as const, x: 100, y: 80, width: 200, height: 150 }] };
    overlay.add(message);
    showFrame(6000);
    paint();
    expect(boxesDrawn()).toEqual([]);
    expect(overlay.canvas.dataset.state).toBe('pending');
    showFrame(9000);
    paint();
    expect(boxesDrawn()).toEqual([[50, 40, 100, 75]]);
    expect(overlay.canvas.dataset).toMatchObject({ state: 'drawn', timestamp: '9000', items: '1' });
    expect(overlay.canvas.width).toBe(320);
    overlay.clear();
    expect(overlay.canvas.dataset.state).toBe('');
    overlay.dispose();
    expect(overlay.canvas.isConnected).toBe(false);
  });

  it('over a mirrored preview flips the shapes with it, redrawing at once, and keeps the caption readable', () => {
    const overlay = new AnnotationOverlay();
    overlay.attach(video);
    const message = {
      ...at(null),
      items: [{ kind: 'box' as const, x: 100, y: 80, width: 200, height: 150, label: 'face' }],
    };
    overlay.add(message);
    paint();
    expect(boxesDrawn()).toEqual([[50, 40, 100, 75]]);
    overlay.setMirrored(true);
    paint();
    // 320 px wide on screen: frame x 100..300 (50..150 px) shows at 170..270 px
    expect(boxesDrawn()).toEqual([
      [50, 40, 100, 75],
      [170, 40, 100, 75],
    ]);
    const caption = calls.filter((c) => c.name === 'fillText').pop();
    expect(caption?.args[0]).toBe('face');
    expect(caption?.args[1]).toBeGreaterThanOrEqual(170); // at the box's left edge on screen, not its mirrored right
    expect(calls.some((c) => c.name === 'scale' || c.name === 'setTransform')).toBe(false); // text not flipped
    overlay.setMirrored(true); // no change: nothing redrawn
    paint();
    expect(boxesDrawn()).toHaveLength(2);
    overlay.dispose();
  });
});

describe('overlay colours', () => {
  it("draws an item whose colour the canvas cannot read in the default colour, not the previous item's", () => {
    const strokes: string[] = [];
    let strokeStyle = '';
    // a canvas keeps its colour when given one it cannot read, as the browser's does
    const ctx = new Proxy({} as Record<string, unknown>, {
      get: (target, name: string) =>
        name === 'strokeStyle'
          ? strokeStyle
          : name === 'measureText'
            ? () => ({ width: 10 })
            : name === 'strokeRect'
              ? () => strokes.push(strokeStyle)
              : name in target
                ? target[name]
                : () => undefined,
      set: (target, name: string, value) => {
        if (name === 'strokeStyle') {
          if (/^#/.test(value)) strokeStyle = value;
        } else target[name] = value;
        return true;
      },
    });
    const box = { kind: 'box' as const, x: 0, y: 0, width: 10, height: 10 };
    const message = {
      ...at(1),
      items: [
        { ...box, colour: '#ff0000' },
        { ...box, colour: 'nosuchcolour' },
      ],
    };
    drawAnnotations(ctx as unknown as CanvasRenderingContext2D, message, containRect(640, 480, 640, 480), 1, 1);
    expect(strokes).toEqual(['#ff0000', DEFAULT_ANNOTATION_COLOUR]);
  });
});
