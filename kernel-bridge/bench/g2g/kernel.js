#!/usr/bin/env node
/**
 * Kernel side of bench/g2g/run.js, in a child process of its own: a slow transform can hold this
 * process's main thread (see the README), and the browser driver must not be held with it.
 * One session per process. IPC with run.js (process.send):
 *   in:  {t: 'open', config, offer, busyMs, maxInFlight}, {t: 'candidate', candidate}
 *   out: {t: 'ready'}, {t: 'answer', sdp} | {t: 'error', message}, {t: 'candidate', candidate},
 *        {t: 'info', timeline, details, stats} (on every event worth reporting, pushed, never asked
 *        for: while the main thread is held, requests would not be answered)
 * run.js kills this process when done.
 */
'use strict';
const path = require('node:path');

const kb = path.resolve(__dirname, '..', '..');
const lib = path.join(kb, 'lib');
const { MediaPeer } = require(path.join(lib, 'rtc'));
const { TransformPipeline } = require(path.join(lib, 'streamer', 'pipeline'));
const { createI420Frame } = require(path.join(lib, 'media'));
const { openEcho } = require('../shared/echo-peer');
const { map, Subject, tap } = require(require.resolve('rxjs', { paths: [kb] }));

let MAX_IN_FLIGHT;
function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);
let session = null;
const early = [];
let lastInfo = 0;
function pushInfo(force = false) {
  if (!session) return;
  const now = performance.now();
  if (!force && now - lastInfo < 500) return;
  lastInfo = now;
  process.send({ t: 'info', timeline: session.timeline, details: session.details(), stats: session.stats ?? [] });
}
// ---- kernel sides -----------------------------------------------------------------------------
/** (b)-(d) Our path, wired like WebRtcStreamer.answer(): MediaPeer -> TransformPipeline -> send. */
async function openPipeline(offerSdp, sendCandidate, transform, moreDetails = () => ({})) {
  const t = { created: performance.now() };
  const peer = await MediaPeer.create({
    iceServers: [],
    hostAddresses: ['127.0.0.1'],
    ...(MAX_IN_FLIGHT !== undefined ? { maxInFlight: Number(MAX_IN_FLIGHT) } : {}),
  });
  t.workerReady = performance.now();
  const stats = [];
  // age of each frame (Date.now() - frame.timestamp) on reaching the main thread and on leaving
  // the transform; frame.timestamp is the worker's mapping of the RTP timestamp to Date.now(),
  // anchored at the first frame, so only differences between these two are meaningful
  const ages = { in: [], out: [] };
  let transformErrors = 0;
  let lastError = '';
  let frameSize = null;
  const pipeline = new TransformPipeline({
    output: (frame) => {
      t.firstOutput ??= performance.now();
      pushInfo();
      ages.out.push(Date.now() - frame.timestamp);
      peer.send(frame);
    },
    error: (e) => {
      transformErrors++;
      lastError = String(e);
    },
    recovered: () => undefined,
  });
  pipeline.setTransform(transform);
  peer.frames$.subscribe((frame) => {
    t.firstFrame ??= performance.now();
    ages.in.push(Date.now() - frame.timestamp);
    frameSize = `${frame.width}x${frame.height}`;
    pipeline.push(frame);
  });
  peer.localCandidates$.subscribe((c) => sendCandidate(c));
  peer.state$.subscribe((s) => s === 'connected' && (t.connected ??= performance.now()));
  peer.stats$.subscribe((s) => {
    stats.push({ ...s, transform_ms: pipeline.transformMs, at: performance.now() });
    pushInfo(true);
  });
  peer.errors$.subscribe((e) => (lastError = e.message));
  const answer = await peer.answer(offerSdp);
  t.answered = performance.now();
  return {
    answer,
    addCandidate: (c) => peer.addRemoteCandidate(c),
    close: async () => {
      pipeline.close();
      await peer.close();
    },
    timeline: t,
    stats,
    details: () => {
      const med = (a) =>
        r1(
          pct(
            a.slice(-300).sort((x, y) => x - y),
            0.5,
          ),
        );
      return {
        frame_size: frameSize,
        main_thread_ms: r1(med(ages.out) - med(ages.in)),
        transform_errors: transformErrors,
        last_error: lastError,
        ...moreDetails(),
      };
    },
  };
}

// ---- transforms -----------------------------------------------------------------------------
const identity = (frames$) => frames$;

/** Sobel magnitude on Y into one reused output frame (U, V grey); the stamp band is kept. */
function sobelTransform() {
  let out = null;
  return (frames$) =>
    frames$.pipe(
      map((f) => {
        const w = f.width;
        const h = f.height;
        if (!out || out.width !== w || out.height !== h) {
          out = createI420Frame(w, h); // grey chroma, black borders
        }
        const src = f.y;
        const dst = out.y;
        for (let y = 1; y < h - 1; y++) {
          let i = y * w + 1;
          for (let x = 1; x < w - 1; x++, i++) {
            const a = src[i - w - 1];
            const c = src[i - w + 1];
            const g = src[i + w - 1];
            const k = src[i + w + 1];
            const gx = c + 2 * src[i + 1] + k - (a + 2 * src[i - 1] + g);
            const gy = g + 2 * src[i + w] + k - (a + 2 * src[i - w] + c);
            const m = ((gx < 0 ? -gx : gx) + (gy < 0 ? -gy : gy)) >> 1;
            dst[i] = m > 255 ? 255 : m;
          }
        }
        // the latency stamp (top 2 blocks of width/32) must survive the filter
        const band = 2 * Math.floor(w / 32);
        dst.set(src.subarray(0, band * w), 0);
        return { width: w, height: h, timestamp: f.timestamp, data: out.data, y: out.y, u: out.u, v: out.v };
      }),
    );
}

/**
 * The video passed on untouched while every frame is also offered to detectFaces() (its worker
 * thread, latest-first), as a streamer's annotate() does: the video must keep its rate while the
 * boxes come at the model's. Details: inferences/s over the last 10 s, faces in the last result,
 * and the main thread's event-loop delay.
 */
function facesTransform() {
  const { detectFaces } = require(path.join(lib, 'detectors', 'face-detector'));
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const frames = new Subject();
  const resultTimes = [];
  let faces = null;
  let detectError = '';
  frames.pipe(detectFaces()).subscribe({
    next: (a) => {
      resultTimes.push(performance.now());
      if (resultTimes.length > 1000) resultTimes.shift();
      faces = a.items.length;
    },
    error: (e) => (detectError = String(e)),
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const details = () => {
    const since = performance.now() - 10000;
    const recent = resultTimes.filter((t) => t >= since).length;
    return {
      inferences_per_s_last_10s: r1(recent / 10),
      inferences_total: resultTimes.length,
      faces_last: faces,
      detect_error: detectError,
      loop_delay_p50_p99_max_ms: [loop.percentile(50), loop.percentile(99), loop.max].map((ns) => r1(ns / 1e6)),
    };
  };
  return { transform: (frames$) => frames$.pipe(tap((f) => frames.next(f))), details };
}

function busyTransform(ms) {
  return (frames$) =>
    frames$.pipe(
      map((f) => {
        const end = performance.now() + ms;
        while (performance.now() < end) {
          /* a cell computing */
        }
        return f;
      }),
    );
}

function configOf(name, busyMs) {
  switch (name) {
    case 'echo':
      return (sdp, cand) => openEcho(sdp, cand, { onRtp: pushInfo });
    case 'identity':
      return (sdp, cand) => openPipeline(sdp, cand, identity);
    case 'sobel':
      return (sdp, cand) => openPipeline(sdp, cand, sobelTransform());
    case 'busy':
      return (sdp, cand) => openPipeline(sdp, cand, busyTransform(busyMs));
    case 'faces':
      return (sdp, cand) => {
        const { transform, details } = facesTransform();
        return openPipeline(sdp, cand, transform, details);
      };
    default:
      throw new Error(`unknown config ${name}`);
  }
}

process.on('message', async (m) => {
  try {
    if (m.t === 'open') {
      MAX_IN_FLIGHT = m.maxInFlight;
      const open = configOf(m.config, m.busyMs);
      const offerAt = performance.now();
      session = await open(m.offer, (candidate) => process.send({ t: 'candidate', candidate }));
      session.timeline.offer = offerAt;
      process.send({ t: 'answer', sdp: session.answer });
      for (const c of early.splice(0)) await session.addCandidate(c).catch(() => undefined);
      pushInfo(true);
    } else if (m.t === 'candidate') {
      if (!session) early.push(m.candidate);
      else await session.addCandidate(m.candidate).catch(() => undefined);
    }
  } catch (e) {
    process.send({ t: 'error', message: String(e && e.stack ? e.stack : e) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ t: 'ready' });
