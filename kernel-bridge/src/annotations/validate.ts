/**
 * Checks what user code emits as FrameAnnotations before it leaves the kernel: every number finite
 * and near the frame, bounded counts and lengths, colours in a shape both the browser's canvas and
 * @napi-rs/canvas read. A model gone wrong (NaN boxes, 100,000 points, a megabyte label) must give a
 * clear error, not a huge message or a frozen widget. The browser checks what it receives against
 * the same limits (src/streamer/annotations-protocol.ts; test/fixtures/streamer-protocol.json's
 * `limits` holds both sides' values).
 */
import type { Annotation, FrameAnnotations } from './types';

/** Most items in one frame's annotations: a crowded scene's detections, with room to spare. */
export const MAX_ANNOTATION_ITEMS = 256;
/** Most points in one points/polyline item: a face mesh has 468, a contour is thinned before this. */
export const MAX_ANNOTATION_POINTS = 1024;
/** Most points in all items of a frame: bounds the message (~20 bytes a point) at ~80 KB of points. */
export const MAX_ANNOTATION_TOTAL_POINTS = 4096;
/** Longest label or text, UTF-16 code units: a class name and a few words, not a paragraph. */
export const MAX_ANNOTATION_TEXT_LENGTH = 200;
/** Longest colour string ('#rrggbbaa' is 9; the longest CSS colour name is 20). */
const MAX_ANNOTATION_COLOUR_LENGTH = 32;
/** Largest frame side the annotations may describe, px (8K is 7680). */
const MAX_ANNOTATION_FRAME_SIDE = 16384;
/**
 * How far outside the frame a coordinate may lie, in frame sizes: a box partly outside the picture
 * is normal (a face at the edge), one ten frames away is a bug (or pixel units mixed with 0-1 ones).
 */
const ANNOTATION_COORD_MARGIN = 1;

/** The annotation limits by name (part of the streamer protocol's LIMITS). */
export const ANNOTATION_LIMITS = {
  MAX_ANNOTATION_ITEMS,
  MAX_ANNOTATION_POINTS,
  MAX_ANNOTATION_TOTAL_POINTS,
  MAX_ANNOTATION_TEXT_LENGTH,
  MAX_ANNOTATION_COLOUR_LENGTH,
  MAX_ANNOTATION_FRAME_SIDE,
  ANNOTATION_COORD_MARGIN,
} as const;

/** '#rgb', '#rgba', '#rrggbb', '#rrggbbaa', or a colour name (letters only): nothing a canvas misreads. */
const COLOUR_SHAPE = /^(#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})|[a-z]+)$/i;

/** Why `value` is not valid FrameAnnotations within the limits (naming the item and field), or null. */
export function annotationsProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'annotations must be an object {timestamp, width, height, items}';
  const { timestamp, width, height, items } = value;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    return 'annotations.timestamp must be a finite number (the frame timestamp, ms)';
  }
  for (const [name, side] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(side) || (side as number) < 1 || (side as number) > MAX_ANNOTATION_FRAME_SIDE) {
      return `annotations.${name} must be an integer from 1 to ${MAX_ANNOTATION_FRAME_SIDE} (the frame's size, px)`;
    }
  }
  const problem = itemsProblem(items, width as number, height as number);
  return problem === null ? null : `annotations.items${problem}`;
}

/**
 * Why `items` are not valid annotation items within the limits for a width x height frame (a text
 * starting with the item's path, e.g. '[3].points[2] must be ...'), or null. The one check of items
 * both the side channel (annotationsProblem) and drawAnnotations (vision/draw.ts) use.
 */
export function itemsProblem(items: unknown, width: number, height: number): string | null {
  if (!Array.isArray(items)) return ' must be an array';
  if (items.length > MAX_ANNOTATION_ITEMS) return ` has ${items.length} items, more than ${MAX_ANNOTATION_ITEMS}`;
  const bounds = new CoordBounds(width, height);
  let points = 0;
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    const problem = itemProblem(item, bounds);
    if (problem !== null) return `[${i}]${problem}`;
    const list = (item as { points?: unknown[] }).points;
    points += list ? list.length : 0;
    if (points > MAX_ANNOTATION_TOTAL_POINTS) return ` have more than ${MAX_ANNOTATION_TOTAL_POINTS} points in all`;
  }
  return null;
}

/** What parseAnnotations() gives: the checked copy, or why there is none. */
export type ParsedAnnotations =
  { annotations: FrameAnnotations; problem: null } | { annotations: null; problem: string };

/**
 * `value` checked (once) and copied with only the vocabulary's fields (extra ones a model adds are
 * not sent), or the problem naming the item and field.
 */
export function parseAnnotations(value: unknown): ParsedAnnotations {
  const problem = annotationsProblem(value);
  if (problem !== null) return { annotations: null, problem };
  const { timestamp, width, height, items } = value as FrameAnnotations;
  return { annotations: { timestamp, width, height, items: items.map(copyItem) }, problem: null };
}

/** `value` checked and copied (parseAnnotations()); throws a TypeError naming the problem. */
export function checkAnnotations(value: unknown): FrameAnnotations {
  const parsed = parseAnnotations(value);
  if (parsed.problem !== null) throw new TypeError(`malformed annotations: ${parsed.problem}`);
  return parsed.annotations;
}

/** Coordinates allowed for a width x height frame: ANNOTATION_COORD_MARGIN frames around it. */
class CoordBounds {
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  x(value: unknown): boolean {
    return within(value, -ANNOTATION_COORD_MARGIN * this.width, (1 + ANNOTATION_COORD_MARGIN) * this.width);
  }

  y(value: unknown): boolean {
    return within(value, -ANNOTATION_COORD_MARGIN * this.height, (1 + ANNOTATION_COORD_MARGIN) * this.height);
  }
}

function within(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

/** Why an item is not valid (starting with the field's path, e.g. '.points[3]: ...'), or null. */
function itemProblem(item: unknown, bounds: CoordBounds): string | null {
  if (!isRecord(item)) return ' must be an object with a "kind"';
  const common =
    textProblem(item, item.kind === 'text' ? 'text' : 'label', item.kind === 'text') ?? colourProblem(item);
  if (common !== null) return common;
  const range = `within ${ANNOTATION_COORD_MARGIN} frame size(s) of the ${bounds.width}x${bounds.height} frame`;
  switch (item.kind) {
    case 'box': {
      const { x, y, width, height, score } = item;
      if (!bounds.x(x) || !bounds.y(y)) return `: box x and y must be finite numbers ${range}`;
      if (!within(width, 0, Infinity) || !bounds.x((x as number) + (width as number))) {
        return `: box width must be a finite number >= 0, its right edge ${range}`;
      }
      if (!within(height, 0, Infinity) || !bounds.y((y as number) + (height as number))) {
        return `: box height must be a finite number >= 0, its bottom edge ${range}`;
      }
      if (score !== undefined && !within(score, 0, 1)) return '.score must be a number from 0 to 1';
      return null;
    }
    case 'points':
    case 'polyline': {
      const { points, closed } = item;
      if (!Array.isArray(points)) return `.points must be an array of [x, y] pairs`;
      if (points.length > MAX_ANNOTATION_POINTS) {
        return `.points has ${points.length} points, more than ${MAX_ANNOTATION_POINTS}`;
      }
      for (let p = 0; p < points.length; p++) {
        const point: unknown = points[p];
        if (!Array.isArray(point) || point.length !== 2 || !bounds.x(point[0]) || !bounds.y(point[1])) {
          return `.points[${p}] must be an [x, y] pair of finite numbers ${range}`;
        }
      }
      if (item.kind === 'polyline' && closed !== undefined && typeof closed !== 'boolean') {
        return '.closed must be a boolean';
      }
      return null;
    }
    case 'text':
      return bounds.x(item.x) && bounds.y(item.y) ? null : `: text x and y must be finite numbers ${range}`;
    default:
      return `.kind must be "box", "points", "polyline" or "text", got ${JSON.stringify(item.kind ?? null).slice(0, 40)}`;
  }
}

function textProblem(item: Record<string, unknown>, field: 'label' | 'text', required: boolean): string | null {
  const value = item[field];
  if (value === undefined && !required) return null;
  if (typeof value !== 'string' || value.length > MAX_ANNOTATION_TEXT_LENGTH) {
    return `.${field} must be a string of at most ${MAX_ANNOTATION_TEXT_LENGTH} characters`;
  }
  return null;
}

function colourProblem(item: Record<string, unknown>): string | null {
  const { colour } = item;
  if (colour === undefined) return null;
  if (typeof colour !== 'string' || colour.length > MAX_ANNOTATION_COLOUR_LENGTH || !COLOUR_SHAPE.test(colour)) {
    return `.colour must be '#rgb', '#rgba', '#rrggbb', '#rrggbbaa' or a colour name (at most ${MAX_ANNOTATION_COLOUR_LENGTH} characters)`;
  }
  return null;
}

/** A checked item with only its kind's fields (optional ones only when given). */
function copyItem(item: Annotation): Annotation {
  const colour = item.colour !== undefined ? { colour: item.colour } : {};
  switch (item.kind) {
    case 'box':
      return {
        kind: 'box',
        x: item.x,
        y: item.y,
        width: item.width,
        height: item.height,
        ...(item.label !== undefined ? { label: item.label } : {}),
        ...(item.score !== undefined ? { score: item.score } : {}),
        ...colour,
      };
    case 'points':
      return {
        kind: 'points',
        points: item.points.map(([x, y]) => [x, y]),
        ...(item.label !== undefined ? { label: item.label } : {}),
        ...colour,
      };
    case 'polyline':
      return {
        kind: 'polyline',
        points: item.points.map(([x, y]) => [x, y]),
        ...(item.closed !== undefined ? { closed: item.closed } : {}),
        ...(item.label !== undefined ? { label: item.label } : {}),
        ...colour,
      };
    case 'text':
      return { kind: 'text', x: item.x, y: item.y, text: item.text, ...colour };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
