/**
 * What bench/page/run.js prints: the table of issue 9 (one row per configuration, size and number
 * of streams, with the echo of the same run beside it), the kernel's figures (start, threads,
 * workers), the per-stage counters of every session with where its frames went, and the targets.
 * With several rounds a row holds the medians of its rounds.
 */
'use strict';
const { median, r1 } = require('./figures');

const CONFIG_ORDER = ['echo', 'identity', 'invert'];
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

function mainTable(rows) {
  return rows.map((r) => {
    if (r.failed) return { config: r.config, size: r.size, streams: r.streams, 'p50 ms': `FAILED: ${r.failed}` };
    const echo = echoOf(rows, r);
    return {
      config: r.config,
      size: r.size,
      streams: r.streams,
      'p50 ms': r.p50,
      'p95 ms': r.p95,
      'fps shown': r.streams > 1 ? `${r.fps} (min ${r.fps_min})` : r.fps,
      'presented fps': r.presented,
      'echo fps': echo ? echo.fps : null,
      'vs echo %': echo && echo.fps ? Math.round((100 * (r.streams > 1 ? r.fps_min : r.fps)) / echo.fps) : null,
      'frames lost': `${r.lost}/${r.drawn}`,
      'kernel CPU %': r.config === 'echo' ? `(echo peer ${r.cpu})` : r.cpu,
      'start→first ms': r.start,
    };
  });
}

function kernelTable(rows) {
  return rows
    .filter((r) => r.config !== 'echo' && !r.failed)
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

function stageLine(s) {
  const st = s.stages;
  const k = st.kernel;
  const limited = Object.entries(st.limited_s)
    .map(([reason, secs]) => `${reason} ${secs} s`)
    .join(', ');
  const kernel =
    k && k.fps_in !== null
      ? ` → kernel in ${st.kernel_in} → out ${st.kernel_out} (${st.kernel_messages} stats messages; dropped ${st.kernel_dropped}; last decode ${k.decode_ms} · transform ${k.transform_ms} · encode ${k.encode_ms} ms)`
      : '';
  return (
    `drawn ${st.drawn} → captured ${st.captured} → encoded ${st.encoded} → sent ${st.sent}${kernel}` +
    ` → received ${st.received} → decoded ${st.decoded} (receiver dropped ${st.dropped}) → to the <video> ${st.to_video}` +
    ` − render dropped ${st.render_dropped} = presented ${st.shown} → rVFC ${st.callbacks} → distinct stamps ${st.stamps}` +
    `\n      quality limitation: ${st.quality_limitation}${limited ? ` (${limited} of the window)` : ''}, ` +
    `resolution changes ${st.resolution_changes}; send ${st.send_size} → receive ${st.receive_size}; ` +
    `send ${st.send_kbps} kbit/s (target ${st.target_kbps}, available ${st.available_kbps}); ` +
    `encode ${st.encode_ms} · decode ${st.decode_ms} · jitter buffer ${st.jitter_ms} ms/frame; ` +
    `key frames sent/decoded ${st.key_frames}, PLIs in/out ${st.plis}, NACKs in/out ${st.nacks}, ` +
    `packets lost ${st.packets_lost}, freezes ${st.freezes}` +
    (st.kernel_stages ? `\n      kernel stages (overlay data-stage): ${JSON.stringify(st.kernel_stages)}` : '') +
    `\n      lost frames by stage: ${s.losses.map(([stage, n]) => `${stage} ${n}`).join(', ') || 'none'}` +
    `; unreadable ${s.unreadable}, repeats ${s.repeats}, sizes ${s.video_sizes.join(' ')}`
  );
}

function targets(rows) {
  const find = (config, size, streams) =>
    rows.find((r) => r.config === config && r.size === size && r.streams === streams && !r.failed);
  const out = [];
  const add = (target, ok, result) => out.push({ target, met: ok === null ? 'n/a' : ok ? 'met' : 'MISSED', result });
  const fullSize = (r, size) =>
    r.runs.every((run) => run.sessions.every((s) => s.stages.receive_size === size && s.stages.send_size === size));

  const i640 = find('identity', '640x480', 1);
  const e640 = find('echo', '640x480', 1);
  if (i640 && e640) {
    add('640x480 identity: fps within 3% of the echo', i640.fps >= 0.97 * e640.fps, `${i640.fps} vs ${e640.fps}`);
  }
  if (i640) {
    add('640x480 identity: p50 ≤ 45 ms', i640.p50 <= 45, `${i640.p50} ms`);
    add('640x480 identity: kernel ≤ 25% of a core', i640.cpu <= 25, `${i640.cpu} %`);
  }
  const i720 = find('identity', '1280x720', 1);
  const e720 = find('echo', '1280x720', 1);
  if (i720 && e720) {
    add('1280x720 identity: fps within 5% of the echo', i720.fps >= 0.95 * e720.fps, `${i720.fps} vs ${e720.fps}`);
  }
  if (i720) {
    add(
      '1280x720 identity: full size both ways',
      fullSize(i720, '1280x720'),
      i720.runs[0].sessions[0].video_sizes.join(' '),
    );
    add('1280x720 identity: p50 ≤ 70 ms', i720.p50 <= 70, `${i720.p50} ms`);
  }
  const i3 = find('identity', '640x480', 3);
  const e3 = find('echo', '640x480', 3);
  if (i3 && e3) {
    add(
      '3 x 640x480 identity: each within 10% of 3 echoes',
      i3.fps_min >= 0.9 * e3.fps,
      `min ${i3.fps_min} vs ${e3.fps}`,
    );
  }
  if (i3 && i640) {
    add('3 streams: kernel CPU ≤ 3.1x one stream', i3.cpu <= 3.1 * i640.cpu, `${i3.cpu} % vs 3.1 x ${i640.cpu} %`);
  }
  for (const r of rows.filter((x) => x.streams > 1 && x.config !== 'echo' && !x.failed)) {
    const w = r.runs[r.runs.length - 1].media_workers;
    add(
      `${r.config} ${r.size} x${r.streams}: one media worker per stream`,
      w.live >= r.streams,
      `${w.live} live (incl. the spare), ${w.started} started`,
    );
  }
  const starts = rows.filter((r) => r.config !== 'echo' && r.streams === 1).flatMap((r) => r.starts);
  if (starts.length) {
    const p50 = median(starts);
    add('Start → first processed frame ≤ 0.4 s p50 (single streams)', p50 <= 400, `${p50} ms (${starts.join(' ')})`);
  }
  const kstarts = rows.filter((r) => r.config !== 'echo').flatMap((r) => r.runs.map((run) => run.kernel_start_ms));
  if (kstarts.length) {
    const p50 = median(kstarts);
    add('kernel start → first cell result ≤ 1.5 s (median)', p50 <= 1500, `${p50} ms (${kstarts.join(' ')})`);
  }
  return out;
}

function printReport(results, { machine, load, consoleErrors }) {
  const rows = mergeRounds(results);
  console.log(
    '\nglass-to-glass through the JupyterLab page (latency = display time − draw time of the stamp, page clock):',
  );
  console.table(mainTable(rows));
  console.log('kernel:');
  console.table(kernelTable(rows));
  console.log(
    'per-stage counters over the window (browser getStats; kernel: sums of the stats messages its overlay showed):',
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
