/**
 * The one place frames go through FFmpeg's swscale (native, SIMD, via node-av): colour conversion
 * and scaling between tightly packed images, I420 or YUVJ420P planes or packed RGBA/RGB/BGR/gray
 * pixels, with the context cached per conversion. Frames (frame.ts) and the vision toolkit
 * (../vision) call `swsConvert`; neither does pixel work in JS.
 *
 * swscale may write past the end of a destination plane (measured: up to two rows for tiny images)
 * and read a little past a source plane, so it always writes into padded scratch planes that are
 * then copied out with one memcpy per plane, and reads from a padded copy when the source has no
 * slack after it.
 */
import { nodeAv } from './native';

/**
 * Image layouts swscale converts between. Planar ones ('i420': BT.601 limited range as VP8 uses;
 * 'yuvj420p': the same planes in full range, as JPEG wants) are stored Y then U then V; packed
 * ones are rows of width * bytesPerPixel bytes.
 */
export type PixelLayout = 'i420' | 'yuvj420p' | 'rgba' | 'rgb24' | 'bgr24' | 'gray8';

const PACKED_BYTES: Record<Exclude<PixelLayout, 'i420' | 'yuvj420p'>, number> = {
  rgba: 4,
  rgb24: 3,
  bgr24: 3,
  gray8: 1,
};

const isPlanar = (layout: PixelLayout): layout is 'i420' | 'yuvj420p' => layout === 'i420' || layout === 'yuvj420p';

function avFormat(layout: PixelLayout) {
  const av = nodeAv();
  switch (layout) {
    case 'i420':
      return av.AV_PIX_FMT_YUV420P;
    case 'yuvj420p':
      return av.AV_PIX_FMT_YUVJ420P;
    case 'rgba':
      return av.AV_PIX_FMT_RGBA;
    case 'rgb24':
      return av.AV_PIX_FMT_RGB24;
    case 'bgr24':
      return av.AV_PIX_FMT_BGR24;
    case 'gray8':
      return av.AV_PIX_FMT_GRAY8;
  }
}

const half = (n: number) => (n + 1) >> 1;

/** Row strides of each plane of a tight image. */
function strides(layout: PixelLayout, width: number): number[] {
  if (isPlanar(layout)) return [width, half(width), half(width)];
  return [width * PACKED_BYTES[layout]];
}

/** Byte size of each plane of a tight image. */
function planeSizes(layout: PixelLayout, width: number, height: number): number[] {
  if (isPlanar(layout)) return [width * height, half(width) * half(height), half(width) * half(height)];
  return [width * height * PACKED_BYTES[layout]];
}

/** Bytes of a tightly packed image in `layout`. */
export function layoutSize(layout: PixelLayout, width: number, height: number): number {
  return planeSizes(layout, width, height).reduce((a, b) => a + b, 0);
}

/**
 * Spare bytes after the pixels of every buffer we allocate: swscale and libvpx may read a little
 * past the end of a plane (SIMD); this keeps those reads inside our allocation.
 */
export function frameSlack(width: number): number {
  return 4 * width + 64;
}

interface Scaler {
  ctx: InstanceType<ReturnType<typeof nodeAv>['SoftwareScaleContext']>;
  scratch: Buffer[];
  srcScratch: Buffer[];
}

/**
 * Contexts kept: a stream's own conversions (decode-side RGBA, a resize, a tensor's resize, JPEG's
 * range conversion) must not evict each other every frame.
 */
const SCALER_CACHE_SIZE = 8;
const scalers = new Map<string, Scaler>();

function paddedPlanes(layout: PixelLayout, width: number, height: number): Buffer[] {
  const rows = [height, half(height), half(height)];
  return strides(layout, width).map((stride, i) => Buffer.alloc(stride * (rows[i] + 4) + 256));
}

function getScaler(from: PixelLayout, sw: number, sh: number, to: PixelLayout, dw: number, dh: number): Scaler {
  const key = `${from}:${sw}x${sh}>${to}:${dw}x${dh}`;
  let s = scalers.get(key);
  if (s) {
    scalers.delete(key); // LRU: re-insert as newest
    scalers.set(key, s);
    return s;
  }
  const av = nodeAv();
  const ctx = new av.SoftwareScaleContext();
  ctx.getContext(
    sw,
    sh,
    avFormat(from),
    dw,
    dh,
    avFormat(to),
    ((av.SWS_BILINEAR as unknown as number) |
      (av.SWS_ACCURATE_RND as unknown as number)) as unknown as typeof av.SWS_BILINEAR,
  );
  s = { ctx, scratch: paddedPlanes(to, dw, dh), srcScratch: paddedPlanes(from, sw, sh) };
  scalers.set(key, s);
  while (scalers.size > SCALER_CACHE_SIZE) {
    const [oldKey, old] = scalers.entries().next().value as [string, Scaler];
    scalers.delete(oldKey);
    old.ctx.freeContext();
  }
  return s;
}

function asBuffer(a: Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** `a` as a Buffer, or copied into `scratch` when fewer than `slack` bytes follow it. */
function readable(a: Uint8Array, slack: number, scratch: Buffer): Buffer {
  if (a.buffer.byteLength - (a.byteOffset + a.byteLength) >= slack) return asBuffer(a);
  scratch.set(a);
  return scratch;
}

/** A source image given as its planes (a Frame's y/u/v views) or as one tight buffer. */
export type SourcePlanes = readonly Uint8Array[] | Uint8Array;

function splitPlanes(src: SourcePlanes, sizes: number[]): Uint8Array[] {
  if (!ArrayBuffer.isView(src)) return src as Uint8Array[];
  let at = 0;
  return sizes.map((size) => src.subarray(at, (at += size)));
}

/**
 * Converts (and scales) a tight `from` image of sw × sh into `out`, a tight `to` image of dw × dh
 * (at least layoutSize bytes). Sizes must already be checked by the caller.
 */
export function swsConvert(
  src: SourcePlanes,
  from: PixelLayout,
  sw: number,
  sh: number,
  out: Uint8Array,
  to: PixelLayout,
  dw: number,
  dh: number,
): void {
  const srcSizes = planeSizes(from, sw, sh);
  const planes = splitPlanes(src, srcSizes);
  if (planes.length !== srcSizes.length || planes.some((p, i) => p.byteLength < srcSizes[i])) {
    throw new RangeError(`swscale: short ${from} ${sw}x${sh} source`);
  }
  const dstSizes = planeSizes(to, dw, dh);
  if (out.byteLength < layoutSize(to, dw, dh)) throw new RangeError(`swscale: short ${to} ${dw}x${dh} destination`);
  const s = getScaler(from, sw, sh, to, dw, dh);
  const slack = frameSlack(sw);
  const input = planes.map((p, i) => readable(p.subarray(0, srcSizes[i]), slack, s.srcScratch[i]));
  const ret = s.ctx.scaleSync(input, strides(from, sw), 0, sh, s.scratch, strides(to, dw));
  if (ret < 0) throw new Error(`swscale ${from} ${sw}x${sh} -> ${to} ${dw}x${dh} failed (${ret})`);
  let at = 0;
  dstSizes.forEach((size, i) => {
    out.set(s.scratch[i].subarray(0, size), at);
    at += size;
  });
}

/** Frees the cached swscale contexts (they are re-created on demand). */
export function releaseScalers(): void {
  for (const s of scalers.values()) s.ctx.freeContext();
  scalers.clear();
}
