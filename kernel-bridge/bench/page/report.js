/**
 * What bench/page/run.js prints: the table of issue 9 (one row per configuration, size and number
 * of streams, with the echo of the same run beside it), the kernel's figures (start, threads,
 * workers), the per-stage counters of every session with where its frames went, and the targets.
 * With several rounds a row holds the medians of its rounds.
 */
'use strict';
const { median, r1 } = require('./figures');

const CONFIG_ORDER = ['echo', 'echo-empty', 'identity', 'invert'];
const isEcho = (r) => r.config.startsWith('echo');
const keyOf = (r) => `${r.config} ${r.size} x${r.streams}`;

/** Rows merged over rounds: medians of each figure; failures are kept as such. */
function mergeRounds(results) {
  const groups = new Map();
  for (const r of results) {
    if (!groups.has(keyOf(r))) groups.set(keyOf(r), []);
    groups.get(keyOf(r)).push(r);
  }
  const rows = [];
  for (const rs of groups.values()) {
    const ok = rs.filter((r) => !r.failed);
    const m = (f) => r1(median(ok.map(f)));
    const { config, size, streams } = rs[0];
    rows.push({
      config,
      size,
      streams,
      rounds: ok.length,
      failed: ok.length ? null : rs[0].failed,
      p50: m((r) => r.row.p50_ms),
      p95: m((r) => r.row.p95_ms),
      fps: m((r) => r.row.fps_mean),
      fps_min: m((r) => r.row.fps_min),
      presented: m((r) => r.row.presented_fps),
      presented_min: m((r) => r.row.presented_fps_min ?? null),
      lost: m((r) => r.row.lost),
      drawn: m((r) => r.row.drawn),
      cpu: m((r) => r.cpu_pct),
      start: m((r) => median(r.row.start_to_first_ms)),
      starts: ok.flatMap((r) => r.row.start_to_first_ms),
      kernel_start: m((r) => r.kernel_start_ms),
      runs: ok,
    });
  }
  const order = (r) => [r.size, r.streams, CONFIG_ORDER.indexOf(r.config)];
  return rows.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] === y[0] ? (x[1] === y[1] ? x[2] - y[2] : x[1] - y[1]) : x[0] < y[0] ? 1 : -1;
  });
}

function echoOf(rows, r) {
  return rows.find((e) => e.config === 'echo' && e.size === r.size && e.streams === r.streams && !e.failed);
}

/** Percent of the echo, or null. */
const vsEcho = (x, e) => (x === null || x === undefined || !e ? null : Math.round((100 * x) / e));

/**
 * The table of issue 9. With several streams, fps are per stream: mean (min), and "vs echo"
 * compares the slowest stream with the mean of the echoes (the target: each stream within 10%).
 */
function mainTable(rows) {
  return rows.map((r) => {
    if (r.failed) return { config: r.config, size: r.size, streams: r.streams, 'p50 ms': `FAILED: ${r.failed}` };
    const echo = echoOf(rows, r);
    const many = r.streams > 1;
    return {
      config: r.config,
      size: r.size,
      streams: r.streams,
      'p50 ms': r.p50,
      'p95 ms': r.p95,
      'fps shown': many ? `${r.fps} (min ${r.fps_min})` : r.fps,
      'presented fps': many && r.presented_min !== null ? `${r.presented} (min ${r.presented_min})` : r.presented,
      'echo fps shown/presented': echo ? `${echo.fps}/${echo.presented}` : null,
      'vs echo % shown': echo ? vsEcho(many ? r.fps_min : r.fps, echo.fps) : null,
      'vs echo % presented': echo
        ? vsEcho(many ? (r.presented_min ?? r.presented) : r.presented, echo.presented)
        : null,
      'frames lost': `${r.lost}/${r.drawn}`,
      'kernel CPU %': isEcho(r) ? `(echo peer ${r.cpu})` : r.cpu,
      'start→first p50 ms': r.start,
    };
  });
}

function kernelTable(rows) {
  return rows
    .filter((r) => !isEcho(r) && !r.failed)
    .map((r) => {
      const last = r.runs[r.runs.length - 1];
      return {
        config: r.config,
        size: r.size,
        streams: r.streams,
        'kernel start → first result ms': r.kernel_start,
        'threads idle → playing': `${last.idle_threads} → ${last.threads}`,
        'threads > 5% CPU': last.busy_threads,
        'CPU % of its busiest threads': last.thread_cpu_pct.filter((p) => p > 0).join(' '),
        'media workers live (started)': `${last.media_workers.live} (${last.media_workers.started})`,
        'start→first per stream ms': r.starts.join(' '),
      };
    });
}

/** The kernel's part of the chain: its frames per stage over the window (overlay data-total differences). */
function kernelChain(k) {
  const f = k.frames;
  const drops = [
    ['undecodable', f.decode_failed],
    ['dropped in the worker', f.dropped_worker],
    ['dropped waiting', f.dropped_main],
  ]
    .filter(([, n]) => n)
    .map(([what, n]) => ` − ${what} ${n}`)
    .join('');
  return (
    ` → kernel: received ${f.received} → decoded ${f.decoded}${drops} → to the transform ${f.delivered}` +
    ` → transformed ${f.transformed}${f.transform_errors ? ` (errors ${f.transform_errors})` : ''}` +
    `${f.dropped_send ? ` − dropped before the encoder ${f.dropped_send}` : ''} → encoded ${f.encoded} → sent ${f.sent}` +
    ` → browser:`
  );
}

/** Files from before the overlay's data attributes: the kernel's in/out were sums of its stats messages. */
function oldKernel(st) {
  if (st.kernel_in === undefined || st.kernel_in === null) return ' → (echo) →';
  return ` → kernel in ${st.kernel_in} → out ${st.kernel_out} (sums of ${st.kernel_messages} stats messages; dropped ${st.kernel_dropped}) →`;
}

function stageLine(s) {
  const st = s.stages;
  const k = st.kernel && st.kernel.frames ? st.kernel : null;
  const limited = Object.entries(st.limited_s)
    .map(([reason, secs]) => `${reason} ${secs} s`)
    .join(', ');
  const overComm = k?.transport === 'kernel' && k.browser_link;
  const kernelLine = k
    ? `\n      kernel: decode ${k.decode_ms} · transform ${k.transform_ms} · encode ${k.encode_ms} ms/frame; ` +
      (overComm
        ? `over the kernel connection: in ${k.kbps_in} · out ${k.kbps_out} kbit/s; ack RTT ${k.rtt_ms} ms; ` +
          `dropped for credit ${k.link_dropped}; `
        : `in ${k.kbps_in} · out ${k.kbps_out} kbit/s; RTT ${k.rtt_ms} ms; lost in ${k.lost_in}, loss out ${k.loss_out}; `) +
      `between its two readings ${k.span_ms} ms`
    : '';
  if (overComm) return commStageLine(s, k) + kernelLine + lossesLine(s);
  return (
    `browser: drawn ${st.drawn} → captured ${st.captured} → encoded ${st.encoded} → sent ${st.sent}` +
    (k ? kernelChain(k) : oldKernel(st)) +
    ` received ${st.received} → decoded ${st.decoded} (receiver dropped ${st.dropped}) → to the <video> ${st.to_video}` +
    ` − render dropped ${st.render_dropped} = presented ${st.shown} → rVFC ${st.callbacks} → shown (distinct stamps) ${st.stamps}` +
    kernelLine +
    `\n      quality limitation: ${st.quality_limitation}${limited ? ` (${limited} of the window)` : ''}, ` +
    `resolution changes ${st.resolution_changes}; send ${st.send_size} → receive ${st.receive_size}; ` +
    `send ${st.send_kbps} kbit/s (target ${st.target_kbps}, available ${st.available_kbps}); ` +
    `encode ${st.encode_ms} · decode ${st.decode_ms} · jitter buffer ${st.jitter_ms} ms/frame; ` +
    `key frames sent/decoded ${st.key_frames}, PLIs in/out ${st.plis}, NACKs in/out ${st.nacks}, ` +
    `packets lost ${st.packets_lost}, freezes ${st.freezes}` +
    lossesLine(s)
  );
}

function lossesLine(s) {
  return (
    `\n      lost frames by stage: ${s.losses.map(([stage, n]) => `${stage} ${n}`).join(', ') || 'none'}` +
    `; unreadable ${s.unreadable}, repeats ${s.repeats}, sizes ${s.video_sizes.join(' ')}`
  );
}

/**
 * A kernel-transport session: no peer connection, so none of getStats()'s figures (frames per
 * stage, sizes, PLIs, NACKs, packets): the browser's link figures from the overlay instead.
 */
function commStageLine(s, k) {
  const st = s.stages;
  const b = k.browser_link;
  return (
    `browser: drawn ${st.drawn}${kernelChain(k)} to the <video> ${st.to_video}` +
    ` − render dropped ${st.render_dropped} = presented ${st.shown} → rVFC ${st.callbacks} → shown (distinct stamps) ${st.stamps}` +
    `\n      browser over the kernel connection: send ${b.send_kbps} kbit/s, ack RTT ${b.rtt_ms} ms, ` +
    `dropped for credit ${b.link_dropped}; receive ${b.receive_kbps} kbit/s`
  );
}

/** "x vs y fps (n %)", shown and presented, for the targets' results. */
function fpsVs(r, e, many) {
  const shown = many ? r.fps_min : r.fps;
  const presented = many ? (r.presented_min ?? r.presented) : r.presented;
  return (
    `shown ${many ? 'min ' : ''}${shown} vs ${e.fps} (${vsEcho(shown, e.fps)} %); ` +
    `presented ${many ? 'min ' : ''}${presented} vs ${e.presented} (${vsEcho(presented, e.presented)} %)`
  );
}

/**
 * Issue 9's targets, met or missed on the rows (medians of the rounds). fps targets are judged on
 * fps shown (distinct stamps displayed, what the issue measured); presented fps is given beside it.
 */
function targets(rows) {
  const find = (config, size, streams) =>
    rows.find((r) => r.config === config && r.size === size && r.streams === streams && !r.failed);
  const out = [];
  const add = (target, ok, measured) =>
    out.push({ target, measured, result: ok === null ? 'n/a (not measured)' : ok ? 'met' : 'MISSED' });
  const missing = (target) => add(target, null, '–');
  const fullSize = (r, size) =>
    r.runs.every((run) => run.sessions.every((s) => s.stages.receive_size === size && s.stages.send_size === size));

  const i640 = find('identity', '640x480', 1);
  const e640 = find('echo', '640x480', 1);
  const t640 = '640x480 identity: fps shown within 3% of the echo (same page)';
  if (i640 && e640) add(t640, i640.fps >= 0.97 * e640.fps, fpsVs(i640, e640, false));
  else missing(t640);
  if (i640) {
    add('640x480 identity: p50 ≤ 45 ms', i640.p50 <= 45, `${i640.p50} ms`);
    add('640x480 identity: kernel ≤ 25% of one core', i640.cpu <= 25, `${i640.cpu} %`);
  } else {
    missing('640x480 identity: p50 ≤ 45 ms');
    missing('640x480 identity: kernel ≤ 25% of one core');
  }
  const i720 = find('identity', '1280x720', 1);
  const e720 = find('echo', '1280x720', 1);
  const t720 = '1280x720 identity: fps shown within 5% of the echo (same page)';
  if (i720 && e720) add(t720, i720.fps >= 0.95 * e720.fps, fpsVs(i720, e720, false));
  else missing(t720);
  if (i720) {
    add(
      '1280x720 identity: full size both ways',
      fullSize(i720, '1280x720'),
      i720.runs[0].sessions[0].video_sizes.join(' '),
    );
    add('1280x720 identity: p50 ≤ 70 ms', i720.p50 <= 70, `${i720.p50} ms`);
  } else {
    missing('1280x720 identity: full size both ways');
    missing('1280x720 identity: p50 ≤ 70 ms');
  }
  const i3 = find('identity', '640x480', 3);
  const e3 = find('echo', '640x480', 3);
  const t3 = '3 x 640x480 identity: each stream within 10% of 3 echoes';
  if (i3 && e3) add(t3, i3.fps_min >= 0.9 * e3.fps, fpsVs(i3, e3, true));
  else missing(t3);
  const tcpu = '3 x 640x480 identity: kernel CPU ≤ 3.1x one stream';
  if (i3 && i640) add(tcpu, i3.cpu <= 3.1 * i640.cpu, `${i3.cpu} % vs 3.1 x ${i640.cpu} % = ${r1(3.1 * i640.cpu)} %`);
  else missing(tcpu);
  for (const r of rows.filter((x) => x.streams > 1 && !isEcho(x) && !x.failed)) {
    const w = r.runs[r.runs.length - 1].media_workers;
    add(
      `${r.config} ${r.size} x${r.streams}: one media worker per stream`,
      w.live >= r.streams,
      `${w.live} live (incl. the spare), ${w.started} started`,
    );
  }
  const starts = rows.filter((r) => !isEcho(r) && r.streams === 1).flatMap((r) => r.starts);
  const tstart = 'Start → first processed frame ≤ 0.4 s p50 (single streams)';
  if (starts.length) {
    const p50 = median(starts);
    add(tstart, p50 <= 400, `${p50} ms (${starts.join(' ')})`);
  } else missing(tstart);
  const kstarts = rows.filter((r) => !isEcho(r)).flatMap((r) => r.runs.map((run) => run.kernel_start_ms));
  const tkernel = 'kernel start → first cell result ≤ 1.5 s (median)';
  if (kstarts.length) {
    const p50 = median(kstarts);
    add(tkernel, p50 <= 1500, `${p50} ms (${kstarts.join(' ')})`);
  } else missing(tkernel);
  return out;
}

/** What page the echo rows were measured in (files from before the fair baseline have no echo_page). */
function echoNotes(results) {
  const how = {
    notebook:
      "echo: in the page state of the widget's rows (a notebook on a fresh kernel, the widgets displayed " +
      "and not started, each echo shown in a widget's camera preview and output <video>s); 'vs echo' compares with it",
    empty: 'echo-empty: no notebook open, the echo in a corner of the page (the baseline before; not used for vs echo)',
    old: 'echo: no notebook open (a run from before the same-page-state baseline)',
  };
  const kinds = new Set(results.filter((r) => isEcho(r) && !r.failed).map((r) => r.echo_page ?? 'old'));
  return [...kinds].map((k) => how[k] ?? k);
}

function printReport(results, { machine, load, consoleErrors }) {
  const rows = mergeRounds(results);
  console.log(
    '\nglass-to-glass through the JupyterLab page (latency = display time − draw time of the stamp, page clock):',
  );
  console.table(mainTable(rows));
  for (const line of echoNotes(results)) console.log(line);
  console.log('kernel:');
  console.table(kernelTable(rows));
  console.log(
    'frames per stage over the window (browser: getStats, getVideoPlaybackQuality, frame callbacks; ' +
      "kernel: the widget's stats overlay, data-total at the window's two ends):",
  );
  for (const r of results) {
    if (r.failed) continue;
    for (const s of r.sessions) console.log(`  ${keyOf(r)} [${s.label}] round ${r.round}: ${stageLine(s)}`);
  }
  console.log('targets (issue 9):');
  console.table(targets(rows));
  if (consoleErrors.length) console.log(`page console errors (first 5): ${consoleErrors.slice(0, 5).join(' | ')}`);
  console.log(`load average per window: ${results.map((r) => `${keyOf(r)}: ${r.load ?? '-'}`).join('; ')}`);
  console.log(`load average at the end: ${load}`);
  console.log(`machine: ${machine}`);
}

module.exports = { printReport };
