/**
 * Burns annotations (boxes with label and score, points, polylines and polygons, text: the shared
 * vocabulary of ../annotations/types.ts) into a frame, for recording or sending a picture with the
 * results in it. @napi-rs/canvas (Skia) draws; swscale converts I420 <-> RGBA around it. To show
 * results over live video without re-encoding, send them to the widget's overlay instead.
 */
import { type Canvas, createCanvas, ImageData, type SKRSContext2D } from '@napi-rs/canvas';
import type { Annotation } from '../annotations/types';
import { type Frame, frameFromRGBA, type I420Frame } from '../media/frame';
import { checkFrame } from '../media/frame-input';
import { itemsProblem } from '../annotations/validate';
import { toRGBA } from './pixels';

const DEFAULT_COLOUR = '#00e676';

interface Surface {
  canvas: Canvas;
  ctx: SKRSContext2D;
  rgba: Uint8ClampedArray;
  image: ImageData;
}

/** One canvas per frame size (the last two sizes): a stream draws without creating canvases. */
const surfaces = new Map<string, Surface>();
const SURFACE_CACHE_SIZE = 2;

function surfaceFor(width: number, height: number): Surface {
  const key = `${width}x${height}`;
  let s = surfaces.get(key);
  if (s) return s;
  const canvas = createCanvas(width, height);
  const rgba = new Uint8ClampedArray(width * height * 4);
  s = { canvas, ctx: canvas.getContext('2d'), rgba, image: new ImageData(rgba, width, height) };
  surfaces.set(key, s);
  if (surfaces.size > SURFACE_CACHE_SIZE) surfaces.delete(surfaces.keys().next().value as string);
  return s;
}

/** A new frame: `frame` with `items` drawn on it (same size and timestamp). */
export function drawAnnotations(frame: Frame, items: readonly Annotation[]): I420Frame {
  checkFrame(frame, 'drawAnnotations');
  const { width, height } = frame;
  // the side channel's check and limits (annotations/validate.ts): one bad emission asks for bounded work
  const problem = itemsProblem(items, width, height);
  if (problem !== null) throw new TypeError(`drawAnnotations: items${problem}`);
  const s = surfaceFor(width, height);
  toRGBA(frame, new Uint8Array(s.rgba.buffer, s.rgba.byteOffset, s.rgba.byteLength));
  s.ctx.putImageData(s.image, 0, 0);
  const style = styleFor(width, height);
  for (const item of items) drawItem(s.ctx, item, style);
  // A copy of the pixels (the binding offers no view into Skia's surface); measured faster than
  // canvas.data(), which re-snapshots the surface after drawing.
  const drawn = s.ctx.getImageData(0, 0, width, height).data;
  return frameFromRGBA(
    width,
    height,
    new Uint8Array(drawn.buffer, drawn.byteOffset, drawn.byteLength),
    frame.timestamp,
  );
}

interface Style {
  line: number;
  font: number;
  radius: number;
}

/** Line width and text size that stay legible from thumbnails up to 4K. */
function styleFor(width: number, height: number): Style {
  const side = Math.min(width, height);
  return {
    line: Math.max(2, Math.round(side / 240)),
    font: Math.max(11, Math.round(side / 32)),
    radius: Math.max(2, Math.round(side / 160)),
  };
}

/** Draws one item, checked by itemsProblem(). */
function drawItem(ctx: SKRSContext2D, item: Annotation, style: Style): void {
  // the default first: a colour the canvas cannot read leaves it, not the previous item's colour
  ctx.strokeStyle = DEFAULT_COLOUR;
  ctx.fillStyle = DEFAULT_COLOUR;
  if (item.colour !== undefined) {
    ctx.strokeStyle = item.colour;
    ctx.fillStyle = item.colour;
  }
  const colour = ctx.fillStyle as string;
  ctx.lineWidth = style.line;
  ctx.lineJoin = 'round';
  switch (item.kind) {
    case 'box': {
      const inset = style.line / 2; // the whole stroke inside the box, on its border pixels
      ctx.strokeRect(
        item.x + inset,
        item.y + inset,
        Math.max(0, item.width - style.line),
        Math.max(0, item.height - style.line),
      );
      const caption = boxCaption(item.label, item.score);
      if (caption) drawTag(ctx, caption, item.x, item.y, colour, style);
      return;
    }
    case 'points':
      for (const [x, y] of item.points) {
        ctx.beginPath();
        ctx.arc(x, y, style.radius, 0, 2 * Math.PI);
        ctx.fill();
      }
      if (item.label && item.points.length)
        drawTag(ctx, item.label, item.points[0][0], item.points[0][1], colour, style);
      return;
    case 'polyline':
      if (item.points.length === 0) return;
      ctx.beginPath();
      item.points.forEach(([x, y], k) => (k === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
      if (item.closed) ctx.closePath();
      ctx.stroke();
      if (item.label) drawTag(ctx, item.label, item.points[0][0], item.points[0][1], colour, style);
      return;
    case 'text':
      ctx.font = `${style.font}px sans-serif`;
      ctx.textBaseline = 'top';
      ctx.lineWidth = Math.max(2, style.font / 6);
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)'; // a dark outline keeps light text readable on any picture
      ctx.strokeText(item.text, item.x, item.y);
      ctx.fillText(item.text, item.x, item.y);
      return;
  }
}

function boxCaption(label: string | undefined, score: number | undefined): string {
  const parts: string[] = [];
  if (label) parts.push(String(label));
  if (score !== undefined) parts.push(`${Math.round(score * 100)}%`);
  return parts.join(' ');
}

/** A label on a filled tag in the item's colour, just above (x, y), or below it at the top edge. */
function drawTag(ctx: SKRSContext2D, text: string, x: number, y: number, colour: string, style: Style): void {
  ctx.font = `${style.font}px sans-serif`;
  ctx.textBaseline = 'top';
  const pad = Math.round(style.font / 5);
  const w = ctx.measureText(text).width + 2 * pad;
  const h = style.font + 2 * pad;
  const top = y - h >= 0 ? y - h : y;
  ctx.fillStyle = colour;
  ctx.fillRect(x, top, w, h);
  ctx.fillStyle = '#000';
  ctx.fillText(text, x + pad, top + pad);
}
