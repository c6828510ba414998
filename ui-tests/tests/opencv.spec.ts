/**
 * Issue 11: an OpenCV filter on live video. Chromium's fake camera plays vertical grey bands with
 * steps of different contrast; the kernel runs the example notebook's Canny filter (cvFilter over
 * OpenCV.js) with its threshold on a slider. The output video must be mostly black with white
 * edge lines, and a higher threshold (set from a cell, as the slider would) must keep fewer edges.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import { writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { clickStart, expectNoErrors, fakeCameraFrom, newTypeScriptNotebook, runCode } from './helpers';

const W = 320;
const H = 240;
/** Luma of each 40-px band: steps of 15, 40, 100, 155, 20, 60 and 30 between neighbours. */
const BANDS = [40, 55, 95, 195, 40, 60, 120, 150];

/** A one-frame y4m of the bands for the fake camera (it loops it). */
function writeBandsPicture(): string {
  const file = path.join(tmpdir(), `jupyterlab-webrtc-opencv-bands-${W}x${H}.y4m`);
  const y = Buffer.alloc(W * H);
  const band = W / BANDS.length;
  for (let row = 0; row < H; row++) {
    BANDS.forEach((luma, i) => y.fill(luma, row * W + i * band, row * W + (i + 1) * band));
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128);
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F20:1 Ip A1:1 C420jpeg\nFRAME\n`), y, chroma, chroma]),
  );
  return file;
}

test.use({ launchOptions: fakeCameraFrom(writeBandsPicture()) });

// The example notebook's Canny cell (examples/opencv-filters.ipynb), starting at a low threshold.
const CANNY_CELL = `import { webrtcStreamer, loadOpenCV, cvFilter, IntSlider, display } from "jupyterlab-webrtc-bridge";
const cv = await loadOpenCV();
const threshold = new IntSlider({ description: "threshold", min: 10, max: 250, value: 10 });
const edges = webrtcStreamer({ key: "ui-opencv-canny" });
edges.transform(cvFilter((cv, src, dst, [gray]) => {
  cv.cvtColor(src, gray, cv.COLOR_RGBA2GRAY);
  cv.Canny(gray, dst, threshold.value, threshold.value * 2);
}));
display(threshold);
edges`;

interface IEdgeShare {
  /** Share of the output's pixels that are white (grey > 128). */
  white: number;
  /** Mean grey inside the brightest band (luma 195 in the camera), away from its edges. */
  brightBand: number;
  width: number;
}

/** Reads the output video: null while it shows no picture. */
async function edgeShare(page: IJupyterLabPageFixture): Promise<IEdgeShare | null> {
  return page.evaluate((bandIndex) => {
    const video = document.querySelector('video.jp-webrtc-output') as HTMLVideoElement | null;
    if (!video || video.videoWidth === 0) return null;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const g = canvas.getContext('2d')!;
    g.drawImage(video, 0, 0);
    const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
    let white = 0;
    for (let i = 0; i < d.length; i += 4) if ((d[i] + d[i + 1] + d[i + 2]) / 3 > 128) white++;
    const band = canvas.width / 8;
    const inner = g.getImageData(Math.round(bandIndex * band + band / 4), 0, Math.round(band / 2), canvas.height).data;
    let sum = 0;
    for (let i = 0; i < inner.length; i += 4) sum += (inner[i] + inner[i + 1] + inner[i + 2]) / 3;
    return { white: white / (d.length / 4), brightBand: sum / (inner.length / 4), width: canvas.width };
  }, BANDS.indexOf(195));
}

test('an OpenCV Canny filter turns the camera into edge lines, and its threshold slider changes them', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'opencv.ipynb');
  await runCode(page, 0, CANNY_CELL);
  await expectNoErrors(page, 0);
  await clickStart(page);

  let low = 0;
  let high = 0;
  await test.step('the output is mostly black with white edge lines where the camera has flat grey bands', async () => {
    await expect
      .poll(
        async () => {
          const share = await edgeShare(page);
          if (!share) return 'no picture';
          low = share.white;
          // Seven band borders, ~2 px wide each, over 320 px: ~4%; a bright band's inside is black.
          return share.white > 0.01 && share.white < 0.2 && share.brightBand < 40
            ? 'edges'
            : `white ${(share.white * 100).toFixed(1)}%, bright band ${share.brightBand.toFixed(0)}`;
        },
        { timeout: 30_000 },
      )
      .toBe('edges');
  });

  await test.step('a higher threshold keeps only the strongest steps: fewer edge pixels', async () => {
    await runCode(page, 1, 'threshold.value = 200; threshold.value');
    await expectNoErrors(page, 1);
    await expect
      .poll(
        async () => {
          const share = await edgeShare(page);
          if (!share) return 'no picture';
          high = share.white;
          return share.white > 0 && share.white < low / 2
            ? 'fewer'
            : `white ${(share.white * 100).toFixed(2)}% (was ${(low * 100).toFixed(2)}%)`;
        },
        { timeout: 30_000 },
      )
      .toBe('fewer');
  });

  console.log(`edge pixels: ${(low * 100).toFixed(2)}% at threshold 10, ${(high * 100).toFixed(2)}% at 200`);

  await test.step('back to a low threshold: the edges come back', async () => {
    await runCode(page, 1, 'threshold.value = 10; threshold.value');
    await expect.poll(async () => ((await edgeShare(page))?.white ?? 0) > low / 2, { timeout: 30_000 }).toBe(true);
  });
});
