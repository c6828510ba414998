/**
 * A frame as a model's input tensor: float32, NCHW or NHWC, scaled (optionally letterboxed: the
 * aspect ratio kept and the rest padded, as YOLO-style detectors expect) and normalised per channel
 * as (x / 255 - mean) / std. The returned scale and padding map the model's coordinates back
 * to the frame's (`tensorToFrame`).
 *
 * The resize and the I420 -> RGB/BGR conversion are one swscale pass into a reused byte buffer. No
 * library (swscale, canvas, OpenCV.js) turns I420 into normalised float planes, so the float
 * conversion and layout is one tight loop here: a multiply-add per value, no allocation.
 */
import type { Frame } from '../media/frame';
import { checkSize, framePlanes } from '../media/frame';
import { swsConvert } from '../media/swscale';
import { checkFrame } from '../media/frame-input';

export type TensorLayout = 'nchw' | 'nhwc';
type Triple = [number, number, number];

export interface TensorOptions {
  layout: TensorLayout;
  /** Tensor width and height; default the frame's. */
  width?: number;
  height?: number;
  /** Subtracted after dividing by 255: one number for all channels or one per channel (in `order`). */
  mean?: number | Triple;
  /** Divided by after subtracting the mean: one number or one per channel; default 1. */
  std?: number | Triple;
  /**
   * Keep the aspect ratio and pad (centred). `true` pads with grey 114 (the Ultralytics YOLO
   * convention); `{colour: [r, g, b]}` (0..255) picks the padding.
   */
  letterbox?: boolean | { colour: Triple };
  /** Channel order; default 'rgb'. */
  order?: 'rgb' | 'bgr';
  /** Written into when given (exactly 3 * width * height floats): no allocation per frame. */
  out?: Float32Array;
}

export interface Tensor {
  data: Float32Array;
  /** [1, 3, height, width] (nchw) or [1, height, width, 3] (nhwc). */
  shape: number[];
  /** Tensor pixels per frame pixel (letterbox: the same both ways). */
  scale: number;
  scaleX: number;
  scaleY: number;
  /** Padding before the picture, in tensor pixels (0 without letterbox). */
  padX: number;
  padY: number;
}

const LETTERBOX_GREY: Triple = [114, 114, 114];

/** A model's (x, y) in tensor pixels, back in the frame's pixels. */
export function tensorToFrame(
  tensor: Pick<Tensor, 'scaleX' | 'scaleY' | 'padX' | 'padY'>,
  x: number,
  y: number,
): [number, number] {
  return [(x - tensor.padX) / tensor.scaleX, (y - tensor.padY) / tensor.scaleY];
}

function triple(value: number | Triple | undefined, def: number, what: string): Triple {
  const t: unknown[] =
    value === undefined ? [def, def, def] : typeof value === 'number' ? [value, value, value] : value;
  if (!Array.isArray(t) || t.length !== 3 || !t.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TypeError(`toTensor: ${what} must be a finite number or three of them`);
  }
  return t as Triple;
}

/** The RGB/BGR bytes of the scaled picture, reused from frame to frame. */
let pixels = new Uint8Array(0);

export function toTensor(frame: Frame, options: TensorOptions): Tensor {
  checkFrame(frame, 'toTensor');
  const layout = options?.layout;
  if (layout !== 'nchw' && layout !== 'nhwc') throw new TypeError(`toTensor: layout must be 'nchw' or 'nhwc'`);
  const width = options.width ?? frame.width;
  const height = options.height ?? frame.height;
  checkSize(width, height);
  const mean = triple(options.mean, 0, 'mean');
  const std = triple(options.std, 1, 'std');
  if (std.some((s) => s === 0)) throw new RangeError('toTensor: std must not be 0');
  const order = options.order ?? 'rgb';
  if (order !== 'rgb' && order !== 'bgr') throw new TypeError(`toTensor: order must be 'rgb' or 'bgr'`);
  const pad = options.letterbox
    ? triple(options.letterbox === true ? LETTERBOX_GREY : options.letterbox.colour, 0, 'letterbox colour')
    : null;

  const n = 3 * width * height;
  const out = options.out;
  if (out !== undefined && (!(out instanceof Float32Array) || out.length !== n)) {
    throw new RangeError(`toTensor: out must be a Float32Array of ${n} values (3 x ${width} x ${height})`);
  }
  const data = out ?? new Float32Array(n);

  // Where the picture goes inside the tensor.
  let innerW = width;
  let innerH = height;
  let padX = 0;
  let padY = 0;
  if (pad) {
    const s = Math.min(width / frame.width, height / frame.height);
    innerW = Math.max(1, Math.min(width, Math.round(frame.width * s)));
    innerH = Math.max(1, Math.min(height, Math.round(frame.height * s)));
    padX = (width - innerW) >> 1;
    padY = (height - innerH) >> 1;
  }
  const scaleX = innerW / frame.width;
  const scaleY = innerH / frame.height;

  const bytes = innerW * innerH * 3;
  if (pixels.byteLength < bytes) pixels = new Uint8Array(bytes);
  swsConvert(
    framePlanes(frame),
    'i420',
    frame.width,
    frame.height,
    pixels,
    order === 'rgb' ? 'rgb24' : 'bgr24',
    innerW,
    innerH,
  );

  // value = byte * a[c] + b[c], i.e. (byte / 255 - mean) / std.
  const a = std.map((s) => 1 / (255 * s)) as Triple;
  const b = mean.map((m, c) => -m / std[c]) as Triple;
  if (pad) {
    const padColour = order === 'rgb' ? pad : ([pad[2], pad[1], pad[0]] as Triple);
    const padValue = padColour.map((v, c) => v * a[c] + b[c]);
    if (layout === 'nchw') {
      for (let c = 0; c < 3; c++) data.fill(padValue[c], c * width * height, (c + 1) * width * height);
    } else {
      for (let i = 0; i < n; i += 3) {
        data[i] = padValue[0];
        data[i + 1] = padValue[1];
        data[i + 2] = padValue[2];
      }
    }
  }
  fill(data, layout, width, height, pixels, innerW, innerH, padX, padY, a, b);
  const shape = layout === 'nchw' ? [1, 3, height, width] : [1, height, width, 3];
  return { data, shape, scale: Math.min(scaleX, scaleY), scaleX, scaleY, padX, padY };
}

/** The tight loop: packed 3-byte pixels (innerW x innerH) into the tensor at (padX, padY). */
function fill(
  data: Float32Array,
  layout: TensorLayout,
  width: number,
  height: number,
  src: Uint8Array,
  innerW: number,
  innerH: number,
  padX: number,
  padY: number,
  a: Triple,
  b: Triple,
): void {
  const [a0, a1, a2] = a;
  const [b0, b1, b2] = b;
  const plane = width * height;
  for (let y = 0; y < innerH; y++) {
    let s = y * innerW * 3;
    if (layout === 'nchw') {
      let d = (y + padY) * width + padX;
      for (let x = 0; x < innerW; x++, d++, s += 3) {
        data[d] = src[s] * a0 + b0;
        data[d + plane] = src[s + 1] * a1 + b1;
        data[d + 2 * plane] = src[s + 2] * a2 + b2;
      }
    } else {
      let d = ((y + padY) * width + padX) * 3;
      for (let x = 0; x < innerW; x++, d += 3, s += 3) {
        data[d] = src[s] * a0 + b0;
        data[d + 1] = src[s + 1] * a1 + b1;
        data[d + 2] = src[s + 2] * a2 + b2;
      }
    }
  }
}
