/**
 * Pictures drawn by the kernel for the recvonly example (webrtc-recvonly.ipynb): an analog clock as
 * I420 frames, and a picture-in-picture mix of two frames. Each keeps a small ring of output frames
 * per size: a frame handed to a stream is copied when it is sent, so a ring of three is never
 * overwritten while it still waits, and nothing is allocated per frame.
 */
import { createI420Frame, Frame, I420Frame } from 'jupyterlab-webrtc-bridge';

const RING = 3;
const rings = new Map<string, { frames: I420Frame[]; next: number }>();

/** The next frame of the ring for `name` at this size (its pixels are overwritten by the caller). */
function nextFrame(name: string, width: number, height: number, timestamp: number): I420Frame {
  const key = `${name}:${width}x${height}`;
  let ring = rings.get(key);
  if (!ring) {
    ring = { frames: Array.from({ length: RING }, () => createI420Frame(width, height)), next: 0 };
    rings.set(key, ring);
  }
  const frame = ring.frames[ring.next];
  ring.next = (ring.next + 1) % RING;
  return new I420Frame(width, height, timestamp, frame.data);
}

/** Sets a (size × size) square of luma `y` and chroma `u`, `v` centred on (x, y). */
function dot(f: I420Frame, cx: number, cy: number, size: number, y: number, u = 128, v = 128): void {
  const half = size >> 1;
  for (let row = Math.max(0, Math.round(cy) - half); row <= Math.min(f.height - 1, Math.round(cy) + half); row++) {
    for (let col = Math.max(0, Math.round(cx) - half); col <= Math.min(f.width - 1, Math.round(cx) + half); col++) {
      f.y[row * f.width + col] = y;
      const c = (row >> 1) * ((f.width + 1) >> 1) + (col >> 1);
      f.u[c] = u;
      f.v[c] = v;
    }
  }
}

/** A line from the centre at `angle` (radians, 0 = 12 o'clock), `length` px long. */
function hand(f: I420Frame, angle: number, length: number, width: number, y: number, u = 128, v = 128): void {
  const cx = f.width / 2;
  const cy = f.height / 2;
  for (let r = 0; r <= length; r++) dot(f, cx + r * Math.sin(angle), cy - r * Math.cos(angle), width, y, u, v);
}

/** An analog clock showing `now` (ms since the epoch, local time), width × height. */
export function drawClock(now = Date.now(), width = 320, height = 240): Frame {
  const f = nextFrame('clock', width, height, performance.now());
  f.y.fill(30);
  f.u.fill(128);
  f.v.fill(128);
  const radius = Math.min(width, height) * 0.45;
  for (let tick = 0; tick < 60; tick++) {
    const a = (tick / 60) * 2 * Math.PI;
    const r = tick % 5 === 0 ? radius - 8 : radius - 3;
    for (let s = r; s <= radius; s++) dot(f, width / 2 + s * Math.sin(a), height / 2 - s * Math.cos(a), 2, 200);
  }
  const t = new Date(now);
  const seconds = t.getSeconds() + t.getMilliseconds() / 1000;
  const minutes = t.getMinutes() + seconds / 60;
  const hours = (t.getHours() % 12) + minutes / 60;
  hand(f, (hours / 12) * 2 * Math.PI, radius * 0.5, 6, 235);
  hand(f, (minutes / 60) * 2 * Math.PI, radius * 0.8, 4, 235);
  // The second hand in red (BT.601: Y 81, U 90, V 240), sweeping smoothly.
  hand(f, (seconds / 60) * 2 * Math.PI, radius * 0.9, 2, 81, 90, 240);
  return f;
}

/** `big` with `small` scaled down (nearest neighbour) to a quarter of its width in the bottom-right corner. */
export function pictureInPicture(big: Frame, small: Frame): Frame {
  const out = nextFrame('pip', big.width, big.height, big.timestamp);
  out.data.set(big.data);
  const w = Math.max(2, (Math.floor(big.width / 4) >> 1) << 1);
  const h = Math.max(2, (Math.round((w * small.height) / small.width) >> 1) << 1);
  const x0 = big.width - w - 8 - ((big.width - w - 8) & 1);
  const y0 = big.height - h - 8 - ((big.height - h - 8) & 1);
  const bigCw = (big.width + 1) >> 1;
  const smallCw = (small.width + 1) >> 1;
  for (let row = 0; row < h; row++) {
    const sy = Math.floor((row * small.height) / h);
    for (let col = 0; col < w; col++) {
      const sx = Math.floor((col * small.width) / w);
      out.y[(y0 + row) * big.width + x0 + col] = small.y[sy * small.width + sx];
      if ((row & 1) === 0 && (col & 1) === 0) {
        const c = ((y0 + row) >> 1) * bigCw + ((x0 + col) >> 1);
        const sc = (sy >> 1) * smallCw + (sx >> 1);
        out.u[c] = small.u[sc];
        out.v[c] = small.v[sc];
      }
    }
  }
  return out;
}
