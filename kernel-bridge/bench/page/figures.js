/**
 * Figures of bench/page/run.js from the raw readings: latency percentiles, fps shown and frames
 * lost per session, the browser's per-stage counters over the window, the kernel's per-stage
 * counters from the widget's stats overlay, and the stages where frames went missing. Pure
 * functions, no I/O.
 */
'use strict';

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const r1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 10) / 10);
const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The kernel's stages as the overlay shows them (`tr[data-stage="kernel.<stage>"]`), in pipeline order. */
const KERNEL_STAGES = [
  'received',
  'decoded',
  'decode_failed',
  'dropped_worker',
  'dropped_main',
  'delivered',
  'transformed',
  'transform_errors',
  'dropped_send',
  'encoded',
  'sent',
];

/**
 * The kernel's frames per stage over the window, from the widget's stats overlay read at its start
 * and its end (page/inject.js overlayFigures()): the difference of each stage's cumulative
 * `data-total`, the per-frame ms and the summary figures of the last reading, and the time between
 * the two kernel messages the readings show. Null for the echo (no overlay) or when a reading
 * lacks the kernel's figures.
 */
function kernelOverlay(o0, o1) {
  if (!o0 || !o1) return null;
  const frames = {};
  for (const stage of KERNEL_STAGES) {
    const a = o0.stages[`kernel.${stage}`]?.total;
    const b = o1.stages[`kernel.${stage}`]?.total;
    frames[stage] = a === null || a === undefined || b === null || b === undefined ? null : b - a;
  }
  if (frames.received === null) return null;
  const ms = (stage) => o1.stages[`kernel.${stage}`]?.ms ?? null;
  const note = (stat) => o1.notes[`kernel.${stat}`] ?? null;
  // counts since the session started: the window's share is the difference of the two readings
  const counted = (stat) => {
    const [a, b] = [o0.notes[stat] ?? null, o1.notes[stat] ?? null];
    return a === null || b === null ? null : b - a;
  };
  return {
    frames,
    span_ms: o0.kernelAt === null || o1.kernelAt === null ? null : Math.round(o1.kernelAt - o0.kernelAt),
    decode_ms: r1(ms('decoded')),
    transform_ms: r1(ms('transformed')),
    encode_ms: r1(ms('encoded')),
    kbps_in: note('kbps_in') === null ? null : Math.round(note('kbps_in')),
    kbps_out: note('kbps_out') === null ? null : Math.round(note('kbps_out')),
    rtt_ms: r1(note('rtt_ms')),
    lost_in: note('lost_in'),
    loss_out: note('loss_out'),
    // Over the kernel transport the overlay names it and has the link's own figures on both sides
    // (docs/design.md, "Kernel transport"): the browser has no getStats() there.
    transport: note('transport') === 'kernel' ? 'kernel' : 'webrtc',
    link_dropped: counted('kernel.link_dropped'),
    browser_link: note('transport') === 'kernel' ? browserLink(o0.notes, o1.notes) : null,
  };
}

/**
 * The browser's kernel-transport link figures in the overlay's last reading (camera → kernel, kernel
 * → output); its drops over the window (the difference of the two readings).
 */
function browserLink(notes0, notes) {
  const value = (stat) => notes[stat] ?? null;
  const kbps = (stat) => (value(stat) === null ? null : Math.round(value(stat)));
  return {
    send_kbps: kbps('camera.kbps'),
    rtt_ms: r1(value('camera.rtt_ms')),
    link_dropped:
      value('camera.link_dropped') === null || (notes0['camera.link_dropped'] ?? null) === null
        ? null
        : value('camera.link_dropped') - notes0['camera.link_dropped'],
    receive_kbps: kbps('output.kbps'),
  };
}

/** Per-stage counts over the window (snap1 - snap0) and per-frame times. */
function stagesOf(s0, s1, spanMs) {
  const d = (k) => (s1[k] === undefined || s0[k] === undefined ? null : s1[k] - s0[k]);
  const perFrame = (t, n) => (d(n) ? r1((1000 * d(t)) / d(n)) : null);
  const qd0 = s0.qualityLimitationDurations ?? {};
  const qd1 = s1.qualityLimitationDurations ?? {};
  const limited = {};
  for (const [reason, secs] of Object.entries(qd1)) {
    const dt = secs - (qd0[reason] ?? 0);
    if (reason !== 'none' && dt > 0.05) limited[reason] = r1(dt);
  }
  return {
    drawn: d('drawn'),
    captured: d('captured'),
    encoded: d('encoded'),
    sent: d('sent'),
    kernel: kernelOverlay(s0.overlay, s1.overlay),
    received: d('received'),
    decoded: d('decoded'),
    dropped: d('dropped'),
    to_video: d('totalVideoFrames'),
    render_dropped: d('droppedVideoFrames'),
    shown: d('totalVideoFrames') === null ? null : d('totalVideoFrames') - (d('droppedVideoFrames') ?? 0),
    callbacks: d('callbacks'),
    stamps: d('stamps'),
    quality_limitation: s1.qualityLimitationReason,
    limited_s: limited,
    resolution_changes: d('qualityLimitationResolutionChanges'),
    send_size: s1.sendSize,
    receive_size: s1.receiveSize,
    send_kbps: d('bytesSent') === null ? null : Math.round((8 * d('bytesSent')) / spanMs),
    target_kbps: s1.targetBitrate === undefined ? null : Math.round(s1.targetBitrate / 1000),
    available_kbps: s1.availableOutgoingBitrate === undefined ? null : Math.round(s1.availableOutgoingBitrate / 1000),
    encode_ms: perFrame('totalEncodeTime', 'encoded'),
    decode_ms: perFrame('totalDecodeTime', 'decoded'),
    jitter_ms: perFrame('jitterBufferDelay', 'jitterBufferEmittedCount'),
    key_frames: `${d('keyFramesEncoded')}/${d('keyFramesDecoded')}`,
    plis: `${d('pliReceived')}/${d('pliSent')}`,
    nacks: `${d('nackReceived')}/${d('nackSent')}`,
    packets_lost: d('packetsLost'),
    freezes: d('freezeCount'),
  };
}

/**
 * Where the frames went, largest first: the frames each stage dropped, counted where they are
 * dropped (the kernel's drop counters) or as the difference between consecutive counters
 * (browser: drawn → captured → encoded → sent; kernel: sent → received, the frames left after its
 * drops → encoded → sent; back: sent → received → decoded → presented → frame callbacks →
 * distinct stamps). For the echo the kernel is absent (the RTP goes straight back). Differences of
 * 1 or 2 are frames in flight at the window's ends.
 */
function lossesOf(st) {
  const k = st.kernel?.frames ?? null;
  const minus = (a, ...bs) =>
    a === null || a === undefined || bs.some((b) => b === null) ? null : a - bs.reduce((x, y) => x + y, 0);
  const chain = [
    ['capture (canvas → track)', st.drawn, st.captured],
    ['browser encoder', st.captured, st.encoded],
    ['browser encoded → sent', st.encoded, st.sent],
  ];
  if (k) {
    chain.push(
      ['network/depacketizer → kernel received', st.sent, k.received],
      ['kernel: undecodable', k.decode_failed, 0],
      ['kernel: dropped in the worker (latest-first)', k.dropped_worker, 0],
      ['kernel: dropped waiting for the transform', k.dropped_main, 0],
      ['kernel: dropped before the encoder', k.dropped_send, 0],
      [
        'kernel: transformed − dropped → encoded',
        minus(k.transformed + (k.transform_errors ?? 0), k.dropped_send),
        k.encoded,
      ],
      ['kernel: encoded → sent', k.encoded, k.sent],
      ['kernel sent → browser received', k.sent, st.received],
    );
  } else {
    chain.push(['sent → received (echo)', st.sent, st.received]);
  }
  chain.push(
    ['browser decode/drop', st.received, st.decoded],
    ['render (decoded → presented)', st.decoded, st.shown],
    ['presented → frame callbacks (page main thread)', st.shown, st.callbacks],
    ['frame callbacks → distinct stamps', st.callbacks, st.stamps],
  );
  const out = [];
  for (const [stage, a, b] of chain) {
    if (a === null || a === undefined || b === null || b === undefined || Number.isNaN(a)) continue;
    if (a - b > 0) out.push([stage, a - b]);
  }
  return out.sort((x, y) => y[1] - x[1]);
}

/** One session's figures over [w0, w1] from its report and snapshots. */
function sessionFigures(report, snap0, snap1) {
  const spanMs = snap1.at - snap0.at;
  const lat = report.samples.map(([s, v]) => v - s).sort((a, b) => a - b);
  const stages = stagesOf(snap0, snap1, spanMs);
  return {
    p50_ms: r1(pct(lat, 0.5)),
    p95_ms: r1(pct(lat, 0.95)),
    fps: r1(report.samples.length / (spanMs / 1000)),
    presented_fps: stages.shown === null ? null : r1(stages.shown / (spanMs / 1000)),
    drawn: report.drawn,
    shown: report.samples.length,
    lost: report.drawn - report.samples.length,
    latencies: lat,
    start_to_first_ms:
      report.firstStampAt === null || report.startAt === null ? null : Math.round(report.firstStampAt - report.startAt),
    video_sizes: report.videoSizes.map(([w, h, t]) => `${w}x${h}@${Math.round(t - (report.startAt ?? 0))}ms`),
    unreadable: report.unreadable,
    repeats: report.repeats,
    stages,
    losses: lossesOf(stages),
  };
}

/** One row from the sessions of a configuration (1 or several streams measured together). */
function rowOf(sessions) {
  const lat = sessions.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const fps = sessions.map((s) => s.fps);
  return {
    p50_ms: r1(pct(lat, 0.5)),
    p95_ms: r1(pct(lat, 0.95)),
    fps_mean: r1(fps.reduce((a, b) => a + b, 0) / fps.length),
    fps_min: Math.min(...fps),
    presented_fps: r1(sessions.reduce((a, s) => a + (s.presented_fps ?? 0), 0) / sessions.length),
    presented_fps_min: Math.min(...sessions.map((s) => s.presented_fps ?? 0)),
    lost: sessions.reduce((a, s) => a + s.lost, 0),
    drawn: sessions.reduce((a, s) => a + s.drawn, 0),
    start_to_first_ms: sessions.map((s) => s.start_to_first_ms),
  };
}

module.exports = { pct, r1, median, sessionFigures, rowOf, lossesOf, kernelOverlay, KERNEL_STAGES };
