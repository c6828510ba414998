#!/usr/bin/env node
/**
 * Recorder cost per frame, as the media worker pays it (rtc/worker/record*.ts): remuxing VP8 frames
 * into WebM (what an input or output .webm recording adds per frame) against encoding decoded
 * frames to H.264 into MP4 (.mp4 recordings), at 640x480 and 1280x720, on a moving synthetic
 * scene. Also the live VP8 encode of the same frames, for scale. CPU time of this thread
 * (process.cpuUsage), not wall time, since the machine is shared.
 *   cd kernel-bridge && npm run build && node bench/record-bench.js [--frames 300]
 */
'use strict';
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const lib = path.join(__dirname, '..', 'lib');
const { createI420Frame } = require(path.join(lib, 'media'));
const { Vp8Encoder } = require(path.join(lib, 'media', 'codecs'));
const { Recorders } = require(path.join(lib, 'rtc', 'worker', 'record'));
const { option: opt } = require('./shared/options');

const FRAMES = Number(opt('--frames', 300));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-bench-'));

function scene(w, h, t) {
  const f = createI420Frame(w, h);
  const bx = Math.floor((t * 7) % (w - 64));
  const by = Math.floor((t * 3) % (h - 64));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f.y[y * w + x] = (x + y + t) & 0xff;
  for (let y = by; y < by + 64; y++) f.y.fill(235, y * w + bx, y * w + bx + 64);
  f.u.fill(100 + (t & 31));
  f.v.fill(140);
  return f;
}

/** CPU ms of this thread for fn(), per frame. */
function cpuPerFrame(fn, frames) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000 / frames, wall: (performance.now() - t0) / frames };
}

function bench(w, h) {
  const scenes = Array.from({ length: 60 }, (_, i) => scene(w, h, i * 5));
  const enc = new Vp8Encoder({ threads: 1 });
  const packets = [];
  const vp8 = cpuPerFrame(() => {
    for (let i = 0; i < FRAMES; i++) {
      enc.encode(scenes[i % 60].data, w, h, i * 3000, i === 0, (p) => packets.push(p));
    }
  }, FRAMES);
  enc.close();
  const results = { vp8 };
  for (const [name, container] of [
    ['remux', 'webm'],
    ['h264', 'mp4'],
  ]) {
    const recorders = new Recorders({ post: () => undefined, wantInputKeyframe() {}, wantOutputKeyframe() {} });
    const file = path.join(dir, `${w}x${h}.${container}`);
    recorders.start(1, [{ kind: 'input', path: file, container, overwrite: true }]);
    results[name] = cpuPerFrame(() => {
      for (let i = 0; i < FRAMES; i++) {
        const ts = (i * 1000) / 30;
        if (container === 'webm') recorders.inputPacket(packets[i], ts);
        else recorders.inputFrame(scenes[i % 60].data, w, h, ts);
      }
      recorders.stop(1);
    }, FRAMES);
    results[name].kb = Math.round(fs.statSync(file).size / 1024);
  }
  return results;
}

console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, ${os.cpus().length} cores, node ${process.version}, ${FRAMES} frames`,
);
console.log('| size | VP8 encode (live path) | WebM remux | MP4 H.264 encode (ultrafast) |');
console.log('| --- | --- | --- | --- |');
for (const [w, h] of [
  [640, 480],
  [1280, 720],
]) {
  const r = bench(w, h);
  const f = (x) => `${x.cpu.toFixed(3)} ms CPU (${x.wall.toFixed(3)} wall)`;
  console.log(`| ${w}x${h} | ${f(r.vp8)} | ${f(r.remux)}, ${r.remux.kb} KiB | ${f(r.h264)}, ${r.h264.kb} KiB |`);
}
fs.rmSync(dir, { recursive: true, force: true });
