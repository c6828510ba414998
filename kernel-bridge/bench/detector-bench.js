#!/usr/bin/env node
/**
 * Face detector benchmark: detectFaces() (TinyFaceDetector in its worker thread, latest-first) fed
 * 640x480 frames at camera rate, and what that leaves of the kernel's main thread, which must keep
 * forwarding the video at 30 fps while the model runs.
 *
 * Per phase (a baseline feeding the same frames to nobody, then the detector at each --sizes input
 * size), after the model has loaded (load = subscribe → first result, reported apart):
 *   inferences/s    results per second (the model's rate; frames in between are skipped)
 *   latency         frame fed → its result, p50/p95 (at most one inference + one wait)
 *   feed late       how late the 30 fps feed's timer fired (scheduled vs run), p50/p99/max:
 *                   the main thread's availability to the video as a frame source sees it
 *   loop delay      perf_hooks.monitorEventLoopDelay (10 ms resolution), p50/p99/max
 *   main ms/frame   main-thread time to hand one frame to detectFaces (the copy included)
 *   CPU %           of one core, from /proc/self/task: the main thread, and the whole process
 * The frame is demo/sample1.jpg of @vladmandic/face-api drawn at 640x480 (three faces).
 *
 *   cd kernel-bridge && npm run build && node bench/detector-bench.js
 * Options: --seconds N (per phase, default 15), --fps N (default 30), --sizes 416,320.
 */
'use strict';
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { Canvas, loadImage } = require('@napi-rs/canvas');
const { Subject } = require('rxjs');
const lib = path.join(__dirname, '..', 'lib');
const { createI420Frame, frameFromRGBA } = require(path.join(lib, 'media'));
const { detectFaces } = require(path.join(lib, 'detectors', 'face-detector'));
const { faceWorkersExited } = require(path.join(lib, 'detectors', 'face-thread'));
const { threadCpuMsOf } = require('./shared/proc');
const { option: opt } = require('./shared/options');

const SECONDS = Number(opt('--seconds', 15));
const FPS = Number(opt('--fps', 30));
const SIZES = opt('--sizes', '416,320').split(',').map(Number);
const W = 640;
const H = 480;

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const r1 = (x) => (x === null ? null : Math.round(x * 10) / 10);

async function samplePhoto() {
  const dir = path.dirname(require.resolve('@vladmandic/face-api/package.json'));
  const image = await loadImage(path.join(dir, 'demo', 'sample1.jpg'));
  const canvas = new Canvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0, W, H);
  return frameFromRGBA(W, H, new Uint8Array(ctx.getImageData(0, 0, W, H).data.buffer));
}

/** CPU ms of this process's main thread (its tid is the pid) and of all its threads. */
function cpuNow() {
  const threads = threadCpuMsOf(process.pid);
  let all = 0;
  for (const ms of threads.values()) all += ms;
  return { main: threads.get(String(process.pid)) ?? 0, all };
}

/**
 * Feeds a fresh Frame object (same pixels) every 1/FPS s into `frames` for SECONDS, on a timer
 * that aims at absolute times (no drift), and measures the main thread while it does.
 */
async function feed(photo, frames, fedAt) {
  const interval = 1000 / FPS;
  const late = [];
  const handOff = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const cpu0 = cpuNow();
  const t0 = performance.now();
  loop.enable();
  let i = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      late.push(now - (t0 + i * interval));
      const frame = createI420Frame(W, H, i, photo.data);
      fedAt.set(i, now);
      const s = performance.now();
      frames.next(frame);
      handOff.push(performance.now() - s);
      i++;
      if (now - t0 >= SECONDS * 1000) return resolve();
      setTimeout(tick, Math.max(0, t0 + i * interval - performance.now()));
    };
    tick();
  });
  loop.disable();
  const wall = performance.now() - t0;
  const cpu1 = cpuNow();
  late.sort((a, b) => a - b);
  const ms = (ns) => r1(ns / 1e6);
  return {
    figures: {
      fed_fps: r1(i / (wall / 1000)),
      'feed late p50/p99/max ms': `${r1(pct(late, 0.5))}/${r1(pct(late, 0.99))}/${r1(late[late.length - 1])}`,
      'loop delay p50/p99/max ms': `${ms(loop.percentile(50))}/${ms(loop.percentile(99))}/${ms(loop.max)}`,
      'main ms/frame': Math.round((1000 * handOff.reduce((a, b) => a + b, 0)) / handOff.length) / 1000,
      'main CPU %': Math.round((100 * (cpu1.main - cpu0.main)) / wall),
      'process CPU %': Math.round((100 * (cpu1.all - cpu0.all)) / wall),
    },
    wall,
  };
}

async function baseline(photo) {
  const frames = new Subject();
  const sub = frames.subscribe(() => undefined);
  const { figures } = await feed(photo, frames, new Map());
  sub.unsubscribe();
  return { phase: 'no detector (feed only)', ...figures };
}

async function detector(photo, inputSize) {
  // load: subscribe → first result, on one frame
  const frames = new Subject();
  const latencies = [];
  let results = 0;
  let faces = 0;
  const fedAt = new Map();
  let loaded = false;
  let firstResult;
  const first = new Promise((resolve) => (firstResult = resolve));
  const loadStart = performance.now();
  const sub = frames.pipe(detectFaces({ inputSize })).subscribe({
    next: (a) => {
      if (!loaded) return firstResult(performance.now() - loadStart);
      results++;
      faces = a.items.length;
      const at = fedAt.get(a.timestamp);
      if (at !== undefined) latencies.push(performance.now() - at);
    },
    error: (e) => {
      console.error(e);
      process.exit(1);
    },
  });
  frames.next(createI420Frame(W, H, -1, photo.data));
  const loadMs = await first;
  loaded = true;
  const { figures, wall } = await feed(photo, frames, fedAt);
  sub.unsubscribe();
  await faceWorkersExited();
  latencies.sort((a, b) => a - b);
  return {
    phase: `detectFaces inputSize ${inputSize}`,
    'load ms': Math.round(loadMs),
    'inferences/s': r1(results / (wall / 1000)),
    'latency p50/p95 ms': `${r1(pct(latencies, 0.5))}/${r1(pct(latencies, 0.95))}`,
    faces,
    ...figures,
  };
}

(async () => {
  console.log(
    `node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0].model}), load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const photo = await samplePhoto();
  const rows = [await baseline(photo)];
  for (const size of SIZES) rows.push(await detector(photo, size));
  console.log(`640x480 frames fed at ${FPS} fps for ${SECONDS} s per phase:`);
  console.table(rows);
  console.log(
    `load after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
