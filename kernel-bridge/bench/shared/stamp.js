/*
 * Browser script shared by the WebRTC benches (g2g/page.html loads it as /stamp.js; page/run.js
 * injects it into the JupyterLab page): the timestamped canvas camera and the reader of its stamp.
 *
 * Source: a canvas drawn at `fps` whose top band carries the draw time
 * (performance.timeOrigin + performance.now(), ms, low 32 bits) as 32 black/white blocks of
 * width/32 px, and below it the same 32 bits inverted (a check row); the rest is moving content,
 * so the encoders have real work. Reader: scales the top band of whatever size arrived back to the
 * source geometry and decodes it; both ends use the page's clock, so latency = display time - stamp
 * needs no clock sync. Defines window.benchStamp = { band, startCanvasSource, createStampReader }.
 */
'use strict';
(() => {
  const TWO32 = 4294967296;

  /** Geometry of the stamp band for a source `width` px wide. */
  function band(width) {
    const block = Math.floor(width / 32);
    return { block, height: 2 * block };
  }

  /**
   * Draws the stamped picture on `canvas` (resized to width x height) at `fps`, drift-free, and
   * returns its captureStream(fps) with the draw log: drawn (low32 stamp -> page time of the draw)
   * and drawTimes (page times of every draw), new ones unless `log` passes some to add to.
   * stop() ends the drawing and the track.
   */
  function startCanvasSource(canvas, width, height, fps, log = { drawn: new Map(), drawTimes: [] }) {
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d', { alpha: false });
    const { block } = band(width);
    const period = 1000 / fps;
    const t0 = performance.now();
    const { drawn, drawTimes } = log;
    let n = 0;
    let timer = null;
    let stopped = false;
    const draw = () => {
      if (stopped) return;
      const now = performance.now();
      const low = Math.round(performance.timeOrigin + now) % TWO32;
      ctx.fillStyle = `hsl(${(n * 3) % 360}, 40%, 45%)`;
      ctx.fillRect(0, 0, width, height);
      for (let i = 0; i < 6; i++) {
        ctx.fillStyle = `hsl(${(i * 60 + n) % 360}, 70%, 60%)`;
        const x = (n * (3 + i) + i * 97) % width;
        const y = 2 * block + ((n * (2 + i) + i * 53) % (height - 2 * block - 60));
        ctx.fillRect(x, y, 60 + 10 * i, 60);
      }
      ctx.fillStyle = '#fff';
      ctx.font = `${Math.round(height / 12)}px sans-serif`;
      ctx.fillText(`frame ${n}`, 20, height - 30);
      // the stamp: row 0 = bits, row 1 = inverted bits
      for (let b = 0; b < 32; b++) {
        const bit = Math.floor(low / 2 ** (31 - b)) & 1;
        ctx.fillStyle = bit ? '#fff' : '#000';
        ctx.fillRect(b * block, 0, block, block);
        ctx.fillStyle = bit ? '#000' : '#fff';
        ctx.fillRect(b * block, block, block, block);
      }
      drawn.set(low, now);
      drawTimes.push(now);
      n++;
      timer = setTimeout(draw, Math.max(0, t0 + n * period - performance.now()));
    };
    draw();
    const stream = canvas.captureStream(fps);
    const track = stream.getVideoTracks()[0];
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      MediaStreamTrack.prototype.stop.call(track); // the track's own stop() may be wrapped to call this
    };
    return { stream, track, stop, drawn, drawTimes, width, height };
  }

  /**
   * A reader for frames of a source `width` px wide: read(video) decodes the stamp of the frame
   * the video shows now, and returns its low 32 bits, or -1 when the band does not read back
   * (bit and check row agree somewhere).
   */
  function createStampReader(width) {
    const { block, height: bandH } = band(width);
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = bandH;
    const ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: false });
    const read = (video) => {
      const vw = video.videoWidth;
      const srcBand = (bandH * vw) / width;
      ctx.drawImage(video, 0, 0, vw, srcBand, 0, 0, width, bandH);
      const px = ctx.getImageData(0, 0, width, bandH).data;
      let low = 0;
      for (let b = 0; b < 32; b++) {
        const x = b * block + (block >> 1);
        const i0 = ((block >> 1) * width + x) * 4;
        const i1 = ((block + (block >> 1)) * width + x) * 4;
        const v0 = px[i0] + px[i0 + 1] + px[i0 + 2] > 384 ? 1 : 0;
        const v1 = px[i1] + px[i1 + 1] + px[i1 + 2] > 384 ? 1 : 0;
        if (v0 === v1) return -1;
        low = low * 2 + v0;
      }
      return low;
    };
    return { read };
  }

  window.benchStamp = { band, startCanvasSource, createStampReader };
})();
