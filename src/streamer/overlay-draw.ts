/**
 * Draws one frame's annotations onto the overlay canvas: frame pixel
 * coordinates scaled to where the video's picture actually is inside its
 * element (object-fit: contain, the default for <video>, letterboxes it).
 * Kept apart from the overlay's timing and DOM so the geometry is testable.
 */
import type { IAnnotation, IAnnotationsMessage } from './annotations-protocol';

/** Where the picture lies inside the element, in canvas pixels. */
export interface IRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The colour of items that name none: bright and rare in camera pictures. */
export const DEFAULT_ANNOTATION_COLOUR = '#00ff66';

/**
 * The rectangle a `frameWidth` x `frameHeight` picture fills inside a
 * `boxWidth` x `boxHeight` element with object-fit: contain (centred, aspect kept).
 */
export function containRect(frameWidth: number, frameHeight: number, boxWidth: number, boxHeight: number): IRect {
  if (frameWidth <= 0 || frameHeight <= 0) {
    return { left: 0, top: 0, width: boxWidth, height: boxHeight };
  }
  const scale = Math.min(boxWidth / frameWidth, boxHeight / frameHeight);
  const width = frameWidth * scale;
  const height = frameHeight * scale;
  return { left: (boxWidth - width) / 2, top: (boxHeight - height) / 2, width, height };
}

/** A box's caption: its label, and its score as a percentage. */
export function boxCaption(label: string | undefined, score: number | undefined): string {
  const percent = score === undefined ? '' : `${Math.round(score * 100)}%`;
  return [label ?? '', percent].filter((part) => part).join(' ');
}

/**
 * Draws `message` into `rect` (the picture's place on the canvas) at
 * opacity `alpha`; `scale` is the canvas pixels per CSS pixel (line widths
 * and fonts stay the same size on screen). `mirrored`: the video under it is
 * shown flipped horizontally (the `mirror` option on the preview), so the
 * shapes are flipped with it; their text is not, so it stays readable.
 */
export function drawAnnotations(
  ctx: CanvasRenderingContext2D,
  message: IAnnotationsMessage,
  rect: IRect,
  alpha: number,
  scale: number,
  mirrored = false,
): void {
  const sx = rect.width / message.width;
  const sy = rect.height / message.height;
  const px = mirrored ? (x: number) => rect.left + rect.width - x * sx : (x: number) => rect.left + x * sx;
  const py = (y: number) => rect.top + y * sy;
  ctx.save();
  ctx.globalAlpha = alpha;
  ctx.lineWidth = 2 * scale;
  ctx.font = `${Math.round(12 * scale)}px sans-serif`;
  ctx.textBaseline = 'top';
  for (const item of message.items) {
    // the default first: a colour name the canvas cannot read leaves it, not the previous item's colour
    ctx.strokeStyle = DEFAULT_ANNOTATION_COLOUR;
    ctx.fillStyle = DEFAULT_ANNOTATION_COLOUR;
    if (item.colour !== undefined) {
      ctx.strokeStyle = item.colour;
      ctx.fillStyle = item.colour;
    }
    drawItem(ctx, item, px, py, scale);
  }
  ctx.restore();
}

function drawItem(
  ctx: CanvasRenderingContext2D,
  item: IAnnotation,
  px: (x: number) => number,
  py: (y: number) => number,
  scale: number,
): void {
  switch (item.kind) {
    case 'box': {
      // the box's left edge on screen: its right edge in the frame when mirrored
      const left = Math.min(px(item.x), px(item.x + item.width));
      const top = py(item.y);
      ctx.strokeRect(left, top, Math.abs(px(item.x + item.width) - px(item.x)), py(item.y + item.height) - top);
      const caption = boxCaption(item.label, item.score);
      if (caption) {
        drawCaption(ctx, caption, left, top, scale, true);
      }
      return;
    }
    case 'points':
      for (const [x, y] of item.points) {
        ctx.beginPath();
        ctx.arc(px(x), py(y), 3 * scale, 0, 2 * Math.PI);
        ctx.fill();
      }
      if (item.label && item.points.length > 0) {
        drawCaption(ctx, item.label, px(item.points[0][0]), py(item.points[0][1]), scale, true);
      }
      return;
    case 'polyline':
      ctx.beginPath();
      item.points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
      if (item.closed) {
        ctx.closePath();
      }
      ctx.stroke();
      if (item.label && item.points.length > 0) {
        drawCaption(ctx, item.label, px(item.points[0][0]), py(item.points[0][1]), scale, true);
      }
      return;
    case 'text':
      drawCaption(ctx, item.text, px(item.x), py(item.y), scale, false);
      return;
  }
}

/** Text on a dark band (readable over any picture), above (x, y) when `above`, else at it. */
function drawCaption(
  ctx: CanvasRenderingContext2D,
  text: string,
  x: number,
  y: number,
  scale: number,
  above: boolean,
): void {
  const height = 16 * scale;
  const width = ctx.measureText(text).width + 6 * scale;
  const top = above ? Math.max(0, y - height) : y;
  const colour = ctx.fillStyle;
  ctx.fillStyle = 'rgba(0, 0, 0, 0.6)';
  ctx.fillRect(x, top, width, height);
  ctx.fillStyle = colour;
  ctx.fillText(text, x + 3 * scale, top + 2 * scale);
}
