/**
 * The `annotations` message of the streamer protocol, frontend side: one
 * frame's boxes, points, polylines and text from the kernel, checked here
 * against the same limits the kernel checks before sending
 * (kernel-bridge/src/annotations/validate.ts; the limits are part of
 * protocol.ts's LIMITS and of the shared fixture). A message over a limit is
 * refused whole, so a broken kernel cannot make the overlay draw 100,000
 * shapes a frame.
 */

/** Most items in one frame's annotations. */
const MAX_ANNOTATION_ITEMS = 256;
/** Most points in one points/polyline item. */
const MAX_ANNOTATION_POINTS = 1024;
/** Most points in all items of a frame. */
const MAX_ANNOTATION_TOTAL_POINTS = 4096;
/** Longest label or text, UTF-16 code units. */
const MAX_ANNOTATION_TEXT_LENGTH = 200;
/** Longest colour string. */
const MAX_ANNOTATION_COLOUR_LENGTH = 32;
/** Largest frame side the annotations may describe, px. */
const MAX_ANNOTATION_FRAME_SIDE = 16384;
/** How far outside the frame a coordinate may lie, in frame sizes. */
const ANNOTATION_COORD_MARGIN = 1;

export const ANNOTATION_LIMITS = {
  MAX_ANNOTATION_ITEMS,
  MAX_ANNOTATION_POINTS,
  MAX_ANNOTATION_TOTAL_POINTS,
  MAX_ANNOTATION_TEXT_LENGTH,
  MAX_ANNOTATION_COLOUR_LENGTH,
  MAX_ANNOTATION_FRAME_SIDE,
  ANNOTATION_COORD_MARGIN,
} as const;

/** The RTP timestamp field is 32 bits. */
const RTP_RANGE = 0x100000000;

/** '#rgb', '#rgba', '#rrggbb', '#rrggbbaa' or a colour name (letters only). */
const COLOUR_SHAPE = /^(#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})|[a-z]+)$/i;

interface IBoxAnnotation {
  kind: 'box';
  x: number;
  y: number;
  width: number;
  height: number;
  label?: string;
  /** Confidence in [0, 1], shown after the label. */
  score?: number;
  colour?: string;
}
interface IPointsAnnotation {
  kind: 'points';
  points: [number, number][];
  label?: string;
  colour?: string;
}
interface IPolylineAnnotation {
  kind: 'polyline';
  points: [number, number][];
  closed?: boolean;
  label?: string;
  colour?: string;
}
interface ITextAnnotation {
  kind: 'text';
  x: number;
  y: number;
  text: string;
  colour?: string;
}
export type IAnnotation = IBoxAnnotation | IPointsAnnotation | IPolylineAnnotation | ITextAnnotation;

/**
 * One frame's annotations, in pixels of a width x height frame. `rtp` is the
 * RTP timestamp of that frame in the kernel's video (null: no video comes
 * back, sendonly: draw as it arrives); see overlay-timing.ts.
 */
export interface IAnnotationsMessage {
  type: 'annotations';
  timestamp: number;
  rtp: number | null;
  width: number;
  height: number;
  items: IAnnotation[];
}

export type AnnotationsParse = { ok: true; message: IAnnotationsMessage } | { ok: false; reason: string };

/** The message checked and copied with only the protocol's fields, or why it is refused. */
export function parseAnnotationsMessage(data: Record<string, unknown>): AnnotationsParse {
  const { timestamp, rtp, width, height, items } = data;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    return fail('annotations.timestamp must be a finite number');
  }
  if (rtp !== null && (!Number.isInteger(rtp) || (rtp as number) < 0 || (rtp as number) >= RTP_RANGE)) {
    return fail('annotations.rtp must be null or a 32-bit unsigned integer');
  }
  if (!isSide(width) || !isSide(height)) {
    return fail(`annotations.width and height must be integers from 1 to ${MAX_ANNOTATION_FRAME_SIDE}`);
  }
  if (!Array.isArray(items) || items.length > MAX_ANNOTATION_ITEMS) {
    return fail(`annotations.items must be an array of at most ${MAX_ANNOTATION_ITEMS} items`);
  }
  const range = new Range(width, height);
  const parsed: IAnnotation[] = [];
  let points = 0;
  for (let i = 0; i < items.length; i++) {
    const item = parseItem(items[i], range);
    if (typeof item === 'string') {
      return fail(`annotations.items[${i}]${item}`);
    }
    if (item.kind === 'points' || item.kind === 'polyline') {
      points += item.points.length;
      if (points > MAX_ANNOTATION_TOTAL_POINTS) {
        return fail(`annotations.items have more than ${MAX_ANNOTATION_TOTAL_POINTS} points in all`);
      }
    }
    parsed.push(item);
  }
  return {
    ok: true,
    message: { type: 'annotations', timestamp, rtp: rtp as number | null, width, height, items: parsed },
  };
}

function fail(reason: string): AnnotationsParse {
  return { ok: false, reason };
}

function isSide(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_ANNOTATION_FRAME_SIDE;
}

/** Coordinates allowed for a width x height frame: ANNOTATION_COORD_MARGIN frames around it. */
class Range {
  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {}

  x(value: unknown): value is number {
    return within(value, -ANNOTATION_COORD_MARGIN * this.width, (1 + ANNOTATION_COORD_MARGIN) * this.width);
  }

  y(value: unknown): value is number {
    return within(value, -ANNOTATION_COORD_MARGIN * this.height, (1 + ANNOTATION_COORD_MARGIN) * this.height);
  }
}

function within(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

/** The item copied with only its kind's fields, or why not (a string starting with the field's path). */
function parseItem(value: unknown, range: Range): IAnnotation | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return ' must be an object';
  }
  const item = value as Record<string, unknown>;
  const optional: { label?: string; colour?: string } = {};
  if (item.colour !== undefined) {
    const c = item.colour;
    if (typeof c !== 'string' || c.length > MAX_ANNOTATION_COLOUR_LENGTH || !COLOUR_SHAPE.test(c)) {
      return '.colour must be a #hex colour or a colour name';
    }
    optional.colour = c;
  }
  if (item.label !== undefined && item.kind !== 'text') {
    if (!isText(item.label)) {
      return `.label must be a string of at most ${MAX_ANNOTATION_TEXT_LENGTH} characters`;
    }
    optional.label = item.label;
  }
  switch (item.kind) {
    case 'box': {
      const { x, y, width, height, score } = item;
      if (!range.x(x) || !range.y(y) || !within(width, 0, Infinity) || !within(height, 0, Infinity)) {
        return ': box x, y, width and height must be finite numbers (width and height >= 0)';
      }
      if (!range.x(x + width) || !range.y(y + height)) {
        return ': box lies too far outside the frame';
      }
      if (score !== undefined && !within(score, 0, 1)) {
        return '.score must be a number from 0 to 1';
      }
      return { kind: 'box', x, y, width, height, ...optional, ...(score !== undefined ? { score } : {}) };
    }
    case 'points':
    case 'polyline': {
      const points = parsePoints(item.points, range);
      if (typeof points === 'string') {
        return points;
      }
      if (item.kind === 'points') {
        return { kind: 'points', points, ...optional };
      }
      if (item.closed !== undefined && typeof item.closed !== 'boolean') {
        return '.closed must be a boolean';
      }
      return { kind: 'polyline', points, ...optional, ...(item.closed !== undefined ? { closed: item.closed } : {}) };
    }
    case 'text': {
      const { x, y, text } = item;
      if (!range.x(x) || !range.y(y)) {
        return ': text x and y must be finite numbers near the frame';
      }
      if (!isText(text)) {
        return `.text must be a string of at most ${MAX_ANNOTATION_TEXT_LENGTH} characters`;
      }
      return { kind: 'text', x, y, text, ...optional };
    }
    default:
      return '.kind must be "box", "points", "polyline" or "text"';
  }
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ANNOTATION_TEXT_LENGTH;
}

function parsePoints(value: unknown, range: Range): [number, number][] | string {
  if (!Array.isArray(value) || value.length > MAX_ANNOTATION_POINTS) {
    return `.points must be an array of at most ${MAX_ANNOTATION_POINTS} [x, y] pairs`;
  }
  const points: [number, number][] = [];
  for (let p = 0; p < value.length; p++) {
    const point: unknown = value[p];
    if (!Array.isArray(point) || point.length !== 2 || !range.x(point[0]) || !range.y(point[1])) {
      return `.points[${p}] must be an [x, y] pair of finite numbers near the frame`;
    }
    points.push([point[0], point[1]]);
  }
  return points;
}
