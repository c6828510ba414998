#!/usr/bin/env node
/**
 * OpenCV bridge benchmark: what each example filter (examples/opencv-filters.ipynb: Canny, cartoon,
 * rotation) costs per frame on the kernel's main thread at 640x480 and 1280x720, through cvFilter
 * (frame → RGBA Mat, the filter, Mat → I420 frame), and the conversions alone. Also OpenCV.js's
 * load time (once per kernel).
 *
 * Uses the build in lib/:  cd kernel-bridge && npm run build && node bench/opencv-bench.js
 * Options: --seconds N (per measurement, default 3).
 */
'use strict';
const os = require('node:os');
const path = require('node:path');
const { Subject } = require('rxjs');
const lib = path.join(__dirname, '..', 'lib');
const { createI420Frame } = require(path.join(lib, 'media'));
const { cvFilter, fromMat, loadOpenCV, toMat } = require(path.join(lib, 'vision', 'opencv'));
const { option } = require('./shared/options');

const SECONDS = Number(option('--seconds', 3));

// The notebook's filters, with its default slider values.
const filters = {
  canny: cvFilter((cv, src, dst, [gray]) => {
    cv.cvtColor(src, gray, cv.COLOR_RGBA2GRAY);
    cv.Canny(gray, dst, 80, 160);
  }),
  cartoon: cvFilter((cv, src, dst, [rgb, small, smooth, gray, outline]) => {
    cv.cvtColor(src, rgb, cv.COLOR_RGBA2RGB);
    cv.pyrDown(rgb, small);
    cv.bilateralFilter(small, smooth, 9, 9, 7);
    cv.pyrUp(smooth, rgb, src.size());
    const n = 3;
    rgb.convertTo(rgb, -1, n / 255);
    rgb.convertTo(rgb, -1, 255 / n);
    cv.cvtColor(src, gray, cv.COLOR_RGBA2GRAY);
    cv.medianBlur(gray, gray, 7);
    cv.adaptiveThreshold(gray, outline, 255, cv.ADAPTIVE_THRESH_MEAN_C, cv.THRESH_BINARY, 9, 2);
    cv.cvtColor(outline, outline, cv.COLOR_GRAY2RGB);
    cv.bitwise_and(rgb, outline, dst);
  }),
  rotate: cvFilter((cv, src, dst) => {
    const m = cv.getRotationMatrix2D(new cv.Point(src.cols / 2, src.rows / 2), 30, 1);
    cv.warpAffine(src, dst, m, src.size());
    m.delete();
  }),
};

/** A few different synthetic pictures (gradients and boxes), so no filter sees one frame only. */
function scenes(w, h) {
  return Array.from({ length: 8 }, (_, t) => {
    const f = createI420Frame(w, h, t * 33);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f.y[y * w + x] = (x + 2 * y + 9 * t) & 0xff;
    for (let y = h / 4; y < h / 2; y++) f.y.fill(235, y * w + w / 4 + t * 8, y * w + w / 2 + t * 8);
    f.u.fill(100 + t * 4);
    f.v.fill(150 - t * 4);
    return f;
  });
}

/** Runs `once(i)` for SECONDS after a warm-up; per-call times in ms: p50, p95, mean, calls/s. */
function measure(once) {
  for (let i = 0; i < 5; i++) once(i);
  const times = [];
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < SECONDS * 1000; i++) {
    const s = performance.now();
    once(i);
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { p50: at(0.5), p95: at(0.95), mean, fps: 1000 / mean };
}

const row = (name, size, r) =>
  console.log(
    `${name.padEnd(32)} ${size.padEnd(9)} p50 ${r.p50.toFixed(2).padStart(7)} ms  p95 ${r.p95.toFixed(2).padStart(7)} ms  ${r.fps.toFixed(0).padStart(5)} /s`,
  );

async function main() {
  console.log(
    `node ${process.version}, ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const t0 = performance.now();
  const cv = await loadOpenCV();
  console.log(`loadOpenCV() (require + WASM start, once per kernel): ${(performance.now() - t0).toFixed(0)} ms`);
  for (const [w, h] of [
    [640, 480],
    [1280, 720],
  ]) {
    const size = `${w}x${h}`;
    const frames = scenes(w, h);
    const mat = new cv.Mat();
    const gray = new cv.Mat();
    const scratch = new cv.Mat();
    row(
      'toMat (I420 -> RGBA Mat)',
      size,
      measure((i) => toMat(frames[i % frames.length], mat)),
    );
    row(
      'fromMat (RGBA Mat -> I420)',
      size,
      measure((i) => fromMat(mat, i)),
    );
    cv.cvtColor(mat, gray, cv.COLOR_RGBA2GRAY);
    row(
      'fromMat (gray Mat -> I420)',
      size,
      measure((i) => fromMat(gray, i, scratch)),
    );
    mat.delete();
    gray.delete();
    scratch.delete();
    for (const [name, filter] of Object.entries(filters)) {
      const input = new Subject();
      let outputs = 0;
      const subscription = filter(input).subscribe(() => outputs++);
      const r = measure((i) => input.next(frames[i % frames.length]));
      subscription.unsubscribe();
      if (outputs === 0) throw new Error(`${name} produced no frame`);
      row(`cvFilter ${name} (whole frame)`, size, r);
    }
  }
  console.log(`WASM heap at the end: ${(cv.HEAPU8.length / 2 ** 20).toFixed(0)} MB`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
