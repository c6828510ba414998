/**
 * The notebook cells bench/page/run.js runs in our kernel (TypeScript, type-checked by the kernel):
 * the first cell of a fresh kernel (its pid, and a count of the media workers), the transforms, one
 * streamer widget per stream, and the worker count read back.
 */
'use strict';
const path = require('node:path');

/**
 * First cell: the kernel's pid (its CPU is read from /proc by the driver) and a count of live media
 * workers, by wrapping worker_threads.Worker (the library reads the property at each `new`); only
 * workers running the media peer's script (rtc/worker) are counted.
 */
const FIRST_CELL = `const benchWorkers = { live: 0, started: 0 };
{
  const threads = require("node:worker_threads");
  const Base = threads.Worker;
  threads.Worker = class CountedWorker extends Base {
    constructor(script: any, options?: any) {
      super(script, options);
      if (!/[\\\\/]rtc[\\\\/]worker[\\\\/]/.test(String(script))) return;
      benchWorkers.live++;
      benchWorkers.started++;
      this.once("exit", () => benchWorkers.live--);
    }
  };
}
process.pid`;

/**
 * The transforms: identity, and invert (shared/invert.js, the one soak uses: the Y plane inverted
 * into one reused frame per stream, the stamp band kept so the page can read its stamp).
 */
const INVERT_MODULE = path.join(__dirname, '..', 'shared', 'invert.js');
const SETUP_CELL = `import { webrtcStreamer } from "jupyterlab-webrtc-bridge";
const identity = (frames$: any) => frames$;
const { invertY } = require(${JSON.stringify(INVERT_MODULE)});
"ready"`;

/**
 * One streamer widget (the cell's result), stats overlay on, the camera at width x height. A config
 * ending in "-kernel" (identity-kernel, invert-kernel) sets transport "kernel": the same stream over
 * the widget's comm instead of WebRTC (docs/design.md, "Kernel transport").
 */
function streamerCell(index, config, [width, height]) {
  const kernel = config.endsWith('-kernel');
  const make = config.replace(/-kernel$/, '') === 'invert' ? 'invertY()' : 'identity';
  const transport = kernel ? ', transport: "kernel"' : '';
  return `const bench${index} = webrtcStreamer({ key: "pagebench-${index}", showStats: true${transport}, mediaConstraints: { video: { width: ${width}, height: ${height} } } });
bench${index}.transform(${make});
bench${index}`;
}

const WORKERS_CELL = '`workers ${benchWorkers.live} ${benchWorkers.started}`';

/** {live, started} from the WORKERS_CELL result text. */
function parseWorkers(text) {
  const m = /workers (\d+) (\d+)/.exec(text);
  return m ? { live: Number(m[1]), started: Number(m[2]) } : { live: null, started: null, text };
}

module.exports = { FIRST_CELL, SETUP_CELL, WORKERS_CELL, parseWorkers, streamerCell };
