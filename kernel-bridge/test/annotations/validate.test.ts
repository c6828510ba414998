/**
 * The annotation checks (src/annotations/validate.ts) against the streamer protocol's shared
 * examples (the browser is tested against the same ones) and at each size bound: what user code
 * emits is refused with a message naming the problem, never sent over a limit.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import {
  annotationsProblem,
  checkAnnotations,
  MAX_ANNOTATION_ITEMS,
  MAX_ANNOTATION_POINTS,
  MAX_ANNOTATION_TEXT_LENGTH,
  MAX_ANNOTATION_TOTAL_POINTS,
} from '../../src/annotations/validate';
import type { FrameAnnotations } from '../../src/annotations/types';
import { LIMITS } from '../../src/streamer/protocol';

interface Example {
  why?: string;
  message: Record<string, unknown>;
  parsed?: Record<string, unknown>;
  fill?: { path: (string | number)[]; length: string; plus?: number };
  /** Makes the array at `path` its first element `count` (+ plus) times, then its other elements. */
  repeat?: { path: (string | number)[]; count: string | number; plus?: number }[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/streamer-protocol.json'), 'utf8')) as {
  limits: Record<string, number>;
  kernel_to_frontend: { valid: Record<string, Example[]>; invalid: Example[] };
};

/** The example's message with the fill applied, without the message-only fields (type, rtp). */
function annotationsOf(example: Example, which: 'message' | 'parsed' = 'message'): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(example[which] ?? example.message));
  for (const { path, count, plus } of example.repeat ?? []) {
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key];
    const list = parent[path.at(-1)!] as unknown[];
    const times = (typeof count === 'number' ? count : fixture.limits[count]) + (plus ?? 0);
    parent[path.at(-1)!] = [...Array.from({ length: times }, () => structuredClone(list[0])), ...list.slice(1)];
  }
  if (example.fill) {
    let parent = copy;
    for (const key of example.fill.path.slice(0, -1)) parent = parent[key];
    const last = example.fill.path.at(-1)!;
    parent[last] = (parent[last] as string).padEnd(fixture.limits[example.fill.length] + (example.fill.plus ?? 0), 'a');
  }
  delete copy.type;
  delete copy.rtp;
  return copy;
}

const frame = (items: unknown[]): FrameAnnotations =>
  ({ timestamp: 5, width: 640, height: 480, items }) as FrameAnnotations;
const box = { kind: 'box', x: 10, y: 10, width: 20, height: 20 };

describe('annotation checks (the shared fixture)', () => {
  it('has the limits the frontend has', () => {
    for (const name of Object.keys(LIMITS)) expect(fixture.limits[name]).toBe(LIMITS[name as keyof typeof LIMITS]);
    expect(Object.keys(fixture.limits).sort()).toEqual(Object.keys(LIMITS).sort());
  });

  it.each(fixture.kernel_to_frontend.valid.annotations.map((e) => [JSON.stringify(e.message).slice(0, 80), e]))(
    'accepts %s, copying only the vocabulary',
    (_name, example) => {
      expect(annotationsProblem(annotationsOf(example))).toBeNull();
      expect(checkAnnotations(annotationsOf(example))).toEqual(annotationsOf(example, 'parsed'));
    },
  );

  const invalid = fixture.kernel_to_frontend.invalid.filter((e) => e.why!.startsWith('annotations:'));
  it.each(invalid.map((e) => [e.why!, e]))('rejects %s', (_why, example) => {
    expect(annotationsProblem(annotationsOf(example))).toMatch(/^annotations/);
    expect(() => checkAnnotations(annotationsOf(example))).toThrow(/^malformed annotations: annotations/);
  });

  it('leaves the rtp problems to the message: the kernel computes rtp itself', () => {
    const rtp = fixture.kernel_to_frontend.invalid.filter((e) => e.why!.startsWith('rtp'));
    expect(rtp.length).toBeGreaterThan(0);
    for (const example of rtp) expect(annotationsProblem(annotationsOf(example))).toBeNull();
  });
});

describe('annotation size bounds', () => {
  it('takes MAX_ANNOTATION_ITEMS items, not one more', () => {
    expect(annotationsProblem(frame(Array(MAX_ANNOTATION_ITEMS).fill(box)))).toBeNull();
    expect(annotationsProblem(frame(Array(MAX_ANNOTATION_ITEMS + 1).fill(box)))).toBe(
      `annotations.items has ${MAX_ANNOTATION_ITEMS + 1} items, more than ${MAX_ANNOTATION_ITEMS}`,
    );
  });

  it('takes MAX_ANNOTATION_POINTS points an item and MAX_ANNOTATION_TOTAL_POINTS in all', () => {
    const points = (n: number) => ({ kind: 'polyline', points: Array.from({ length: n }, (_, i) => [i % 640, 1]) });
    expect(annotationsProblem(frame([points(MAX_ANNOTATION_POINTS)]))).toBeNull();
    expect(annotationsProblem(frame([points(MAX_ANNOTATION_POINTS + 1)]))).toMatch(
      /^annotations.items\[0\].points has 1025 points, more than 1024$/,
    );
    const perItem = MAX_ANNOTATION_TOTAL_POINTS / MAX_ANNOTATION_POINTS;
    expect(annotationsProblem(frame(Array(perItem).fill(points(MAX_ANNOTATION_POINTS))))).toBeNull();
    expect(annotationsProblem(frame([...Array(perItem).fill(points(MAX_ANNOTATION_POINTS)), points(1)]))).toBe(
      `annotations.items have more than ${MAX_ANNOTATION_TOTAL_POINTS} points in all`,
    );
  });

  it('names the item and field, and refuses NaN, infinities and far-away coordinates', () => {
    expect(annotationsProblem(frame([box, { ...box, x: NaN }]))).toMatch(/^annotations.items\[1\]: box x and y/);
    expect(annotationsProblem(frame([{ ...box, width: Infinity }]))).toMatch(/box width must be a finite number/);
    expect(annotationsProblem(frame([{ kind: 'text', x: 0, y: -481, text: 'a' }]))).toMatch(/text x and y/);
    expect(
      annotationsProblem(
        frame([
          {
            kind: 'points',
            points: [
              [0, 0],
              [NaN, 1],
            ],
          },
        ]),
      ),
    ).toMatch(/points\[1\]/);
    expect(annotationsProblem({ ...frame([]), timestamp: NaN })).toMatch(/timestamp must be a finite number/);
    expect(annotationsProblem(null)).toMatch(/must be an object/);
    expect(annotationsProblem(frame([{ ...box, label: 'x'.repeat(MAX_ANNOTATION_TEXT_LENGTH + 1) }]))).toMatch(
      /label must be a string of at most 200/,
    );
  });

  it('keeps a frame of the vocabulary as it is', () => {
    const value = frame([{ ...box, label: 'cat', score: 0.5, colour: '#abc' }]);
    expect(checkAnnotations(value)).toEqual(value);
    expect(checkAnnotations(value)).not.toBe(value);
  });
});
