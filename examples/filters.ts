/**
 * The three filters of aiortc's example server (edges, cartoon, rotate), as plain typed-array code
 * over I420 frames. Each reuses its output buffer per frame size, so no per-frame allocation.
 */
import { createI420Frame, Frame, I420Frame } from 'jupyterlab-webrtc-bridge';

const outputs = new Map<string, I420Frame>();
function outputFor(name: string, frame: Frame): I420Frame {
  const key = `${name}:${frame.width}x${frame.height}`;
  let out = outputs.get(key);
  if (!out) outputs.set(key, (out = createI420Frame(frame.width, frame.height)));
  return new I420Frame(frame.width, frame.height, frame.timestamp, out.data);
}

/** Sobel edges on the luma plane; pixels whose gradient is above `threshold` are white. */
export function edges(frame: Frame, threshold: number): Frame {
  const out = outputFor('edges', frame);
  const { width: w, height: h } = frame;
  const src = frame.y;
  const dst = out.y;
  for (let y = 1; y < h - 1; y++) {
    const row = y * w;
    for (let x = 1; x < w - 1; x++) {
      const i = row + x;
      const gx = src[i - w + 1] + 2 * src[i + 1] + src[i + w + 1] - src[i - w - 1] - 2 * src[i - 1] - src[i + w - 1];
      const gy = src[i + w - 1] + 2 * src[i + w] + src[i + w + 1] - src[i - w - 1] - 2 * src[i - w] - src[i - w + 1];
      dst[i] = Math.abs(gx) + Math.abs(gy) > threshold ? 255 : 0;
    }
  }
  out.u.fill(128);
  out.v.fill(128);
  return out;
}

/** Cartoon: luma quantised to `levels` bands, with edges drawn dark, colours kept. */
export function cartoon(frame: Frame, levels: number): Frame {
  const out = outputFor('cartoon', frame);
  const { width: w, height: h } = frame;
  const step = 256 / Math.max(2, Math.round(levels));
  const src = frame.y;
  const dst = out.y;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const edge = x > 0 && y > 0 && Math.abs(src[i] - src[i - 1]) + Math.abs(src[i] - src[i - w]) > 40;
      dst[i] = edge ? 16 : Math.min(255, Math.floor(src[i] / step) * step + step / 2);
    }
  }
  out.u.set(frame.u);
  out.v.set(frame.v);
  return out;
}

/** Rotation about the centre by `degrees` (nearest neighbour), uncovered corners black. */
export function rotate(frame: Frame, degrees: number): Frame {
  const out = outputFor('rotate', frame);
  const angle = (degrees * Math.PI) / 180;
  rotatePlane(frame.y, out.y, frame.width, frame.height, angle, 0);
  const cw = Math.ceil(frame.width / 2);
  const ch = Math.ceil(frame.height / 2);
  rotatePlane(frame.u, out.u, cw, ch, angle, 128);
  rotatePlane(frame.v, out.v, cw, ch, angle, 128);
  return out;
}

function rotatePlane(src: Uint8Array, dst: Uint8Array, w: number, h: number, angle: number, blank: number): void {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = w / 2;
  const cy = h / 2;
  for (let y = 0; y < h; y++) {
    const dy = y - cy;
    for (let x = 0; x < w; x++) {
      const dx = x - cx;
      const sx = Math.round(cos * dx + sin * dy + cx);
      const sy = Math.round(-sin * dx + cos * dy + cy);
      dst[y * w + x] = sx >= 0 && sx < w && sy >= 0 && sy < h ? src[sy * w + sx] : blank;
    }
  }
}
