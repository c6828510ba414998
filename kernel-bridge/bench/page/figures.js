/**
 * Figures of bench/page/run.js from the raw readings: latency percentiles, fps shown and frames
 * lost per session, the browser's per-stage counters over the window, the kernel's overlay, and the
 * stage where most frames went missing. Pure functions, no I/O.
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

/** The kernel overlay's figures (today's text lines; data-stage elements once the widget has them). */
function kernelOverlay(k) {
  if (!k) return null;
  const text = k.lines.join(' · ');
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  return {
    fps_in: num(/in ([\d.]+) fps/),
    fps_out: num(/out ([\d.]+) fps/),
    dropped: num(/dropped (\d+)/),
    decode_ms: num(/decode ([\d.]+) ms/),
    transform_ms: num(/transform ([\d.]+) ms/),
    encode_ms: num(/encode ([\d.]+) ms/),
    stages: k.stages.length ? k.stages : undefined,
  };
}

/** Per-stage counts over the window (snap1 - snap0) and per-frame times. */
function stagesOf(s0, s1, spanMs) {
  const d = (k) => (s1[k] === undefined || s0[k] === undefined ? null : s1[k] - s0[k]);
  const perFrame = (t, n) => (d(n) ? r1((1000 * d(t)) / d(n)) : null);
  const k0 = kernelOverlay(s0.kernel);
  const k1 = kernelOverlay(s1.kernel);
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
    // sums of the kernel's per-second counts over the stats messages shown in the window (±1 message)
    kernel_in: d('kernelIn'),
    kernel_out: d('kernelOut'),
    kernel_messages: d('kernelMessages'),
    kernel_dropped: k0 && k1 && k1.dropped !== null && k0.dropped !== null ? k1.dropped - k0.dropped : null,
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
    kernel: k1 ? { ...k1, stages: undefined } : null,
    kernel_stages: k1?.stages,
  };
}

/**
 * Where the frames went: the loss between consecutive stages (drawn → captured → encoded → kernel
 * in → kernel out → received → decoded → shown → distinct stamps), largest first. For the echo the
 * kernel stages are absent (the RTP goes straight back).
 */
function lossesOf(st) {
  const chain = [
    ['capture (canvas → track)', st.drawn, st.captured],
    ['browser encoder', st.captured, st.encoded],
    ['send → kernel decode', st.encoded, st.kernel_in],
    ['kernel (transform/encode)', st.kernel_in, st.kernel_out],
    ['kernel → browser receive', st.kernel_out ?? st.sent, st.received],
    ['browser decode/drop', st.received, st.decoded],
    ['render (decoded → presented)', st.decoded, st.shown],
    ['presented → frame callbacks (page main thread)', st.shown, st.callbacks],
    ['frame callbacks → distinct stamps', st.callbacks, st.stamps],
  ];
  const out = [];
  for (const [stage, a, b] of chain) {
    if (a === null || a === undefined || b === null || b === undefined) continue;
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
    lost: sessions.reduce((a, s) => a + s.lost, 0),
    drawn: sessions.reduce((a, s) => a + s.drawn, 0),
    start_to_first_ms: sessions.map((s) => s.start_to_first_ms),
  };
}

module.exports = { pct, r1, median, sessionFigures, rowOf, lossesOf };
