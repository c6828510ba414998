#!/usr/bin/env node
/**
 * Frame toolkit benchmark: what each toolkit operation costs per frame at 640x480 (resize, crop,
 * pixel views, a 416x416 letterboxed NCHW tensor, drawing 5 labelled boxes, PNG and JPEG encoding),
 * so a notebook author can budget a 33 ms frame. Each op runs on a moving synthetic scene after a
 * warm-up (swscale contexts and canvases are cached), with output buffers reused where the API
 * takes one (`out`), as a per-frame pipeline would.
 *
 *   cd kernel-bridge && npm run build && node bench/vision-bench.js   # --iterations 200 --warmup 20
 */
'use strict';
const os = require('node:os');
const path = require('node:path');
const lib = path.join(__dirname, '..', 'lib');
const { createI420Frame } = require(path.join(lib, 'media'));
const vision = require(path.join(lib, 'vision'));
const { option: opt } = require('./shared/options');

const ITERATIONS = Number(opt('--iterations', 200));
const WARMUP = Number(opt('--warmup', 20));
const W = 640;
const H = 480;

/** A gradient with a moving bright square and varying chroma, so encoders have real work. */
function scene(t) {
  const f = createI420Frame(W, H, t * 33);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) f.y[y * W + x] = (x + 2 * y + t * 3) & 0xff;
  const bx = (t * 7) % (W - 80);
  for (let y = 100; y < 180; y++) f.y.fill(235, y * W + bx, y * W + bx + 80);
  for (let i = 0; i < f.u.length; i++) f.u[i] = (i + t) & 0xff;
  f.v.fill(100 + (t % 50));
  return f;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const boxes = Array.from({ length: 5 }, (_, i) => ({
  kind: 'box',
  x: 20 + i * 120,
  y: 60 + i * 50,
  width: 100,
  height: 120,
  label: `object ${i}`,
  score: 0.5 + i / 10,
}));

function main() {
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(`load average ${load}, ${os.cpus().length} cores, ${W}x${H}, ${ITERATIONS} runs per op`);
  const frames = Array.from({ length: 16 }, (_, t) => scene(t));
  const rgb = new Uint8Array(W * H * 3);
  const gray = new Uint8Array(W * H);
  const tensor = new Float32Array(3 * 416 * 416);
  const ops = [
    ['resize to 320x240', (f) => vision.resize(f, { width: 320, height: 240 })],
    ['crop 320x240 at (100, 80)', (f) => vision.crop(f, { x: 100, y: 80, width: 320, height: 240 })],
    ['toRGB (out reused)', (f) => vision.toRGB(f, rgb)],
    ['toGray (out reused)', (f) => vision.toGray(f, gray)],
    [
      'toTensor 416 letterbox NCHW (out reused)',
      (f) => vision.toTensor(f, { layout: 'nchw', width: 416, height: 416, letterbox: true, out: tensor }),
    ],
    ['drawAnnotations, 5 labelled boxes', (f) => vision.drawAnnotations(f, boxes)],
    ['encodePng', (f) => vision.encodePng(f)],
    ['encodeJpeg quality 80', (f) => vision.encodeJpeg(f, { quality: 80 })],
  ];
  console.log('| op | p50 ms | p95 ms |\n| --- | --- | --- |');
  for (const [name, run] of ops) {
    for (let i = 0; i < WARMUP; i++) run(frames[i % frames.length]);
    const times = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const frame = frames[i % frames.length];
      const t0 = performance.now();
      run(frame);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${pct(times, 0.5).toFixed(2)} | ${pct(times, 0.95).toFixed(2)} |`);
  }
}

main();
