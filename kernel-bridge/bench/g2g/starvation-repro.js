#!/usr/bin/env node
/**
 * Reproduction (no browser, no network): a 'message' handler on a worker's port that takes
 * longer than the interval at which the worker posts starves the main thread's event loop.
 * Node drains up to max(queued, 1000) port messages per event-loop turn, and with
 * ack-on-receipt flow control (as MediaPeer/its worker did: the ack is posted before the
 * transform runs) the next frame is always already queued. Timers, sockets (the kernel's ZeroMQ
 * shell/control/heartbeat, comm messages such as Stop) wait until 1000 frames are done:
 * 1000 x 200 ms = 200 s.
 *   node kernel-bridge/bench/g2g/starvation-repro.js [busyMs=200] [maxInFlight=2]
 * Expected: a 5 s timeout fires after ~5 s. Observed (Node 20): after ~200 s, timer fired once.
 */
'use strict';
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const busyMs = Number(process.argv[2] ?? 200);
const maxInFlight = Number(process.argv[3] ?? 2);
// the worker: decodes at 30 fps, posts while fewer than maxInFlight are unacknowledged, else holds
// the newest (the same LatestGate as rtc/worker/receive.ts; needs the build in lib/)
const w = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const { LatestGate } = require(workerData.latestSlot);
   const gate = new LatestGate(workerData.maxInFlight, (frame) => parentPort.postMessage(frame));
   setInterval(() => gate.offer('frame'), 33);
   parentPort.on('message', () => gate.done());`,
  {
    eval: true,
    workerData: { maxInFlight, latestSlot: path.join(__dirname, '..', '..', 'lib', 'media', 'latest-slot.js') },
  },
);
let ticks = 0;
let frames = 0;
const t0 = Date.now();
setInterval(() => ticks++, 100);
w.on('message', () => {
  w.postMessage('ack'); // MediaPeer.onMessage: ack first, then frames.next(frame) -> the transform
  frames++;
  const end = performance.now() + busyMs; // a synchronous transform
  while (performance.now() < end) {
    /* busy */
  }
});
setTimeout(() => {
  console.log(
    `a 5 s timeout fired after ${((Date.now() - t0) / 1000).toFixed(1)} s; ${frames} frames transformed; a 100 ms interval fired ${ticks} times`,
  );
  process.exit(0);
}, 5000);
