/**
 * The benches' invert transform (soak/kernel.js and the JupyterLab-page bench's notebook cell): the
 * Y plane inverted into one reused output frame, chroma copied, and the top band (2 * width/32 rows,
 * where shared/stamp.js draws the latency stamp) kept as it came, so the page can still read it.
 * One output buffer per transform: nothing allocated per frame but the frame object.
 * Uses the build in lib/ and the kernel's own rxjs (the one the kernel tracks per cell).
 */
'use strict';
const path = require('node:path');
const { map } = require('rxjs');
const { createI420Frame } = require(path.join(__dirname, '..', '..', 'lib', 'media'));

function invertY() {
  let out = null;
  return (frames$) =>
    frames$.pipe(
      map((f) => {
        const w = f.width;
        const h = f.height;
        if (!out || out.width !== w || out.height !== h) out = createI420Frame(w, h);
        const src = f.y;
        const dst = out.y;
        const band = 2 * Math.floor(w / 32) * w;
        dst.set(src.subarray(0, band), 0);
        for (let i = band; i < w * h; i++) dst[i] = 255 - src[i];
        out.u.set(f.u);
        out.v.set(f.v);
        return createI420Frame(w, h, f.timestamp, out.data); // a view of the reused buffer
      }),
    );
}

module.exports = { invertY };
