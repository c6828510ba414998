/**
 * Issue 11: the Image widget fed from a stream. The camera plays a still picture (left half dark,
 * right half bright); a cell shows the stream's frames$ in an Image at 2 pictures a second, with a
 * frame counter burnt in by drawAnnotations, so each picture differs. The test reads the <img>.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import {
  clickStart,
  expectNoErrors,
  fakeCameraFrom,
  newTypeScriptNotebook,
  runCode,
  writeHalvesPicture,
} from './helpers';

const W = 320;
const H = 240;
const DARK = 40;
const BRIGHT = 210;

test.use({ launchOptions: fakeCameraFrom(writeHalvesPicture('image', W, H, DARK, BRIGHT)) });

const IMAGE_CELL = `import { webrtcStreamer, Image, drawAnnotations, display } from "jupyterlab-webrtc-bridge";
import { map } from "rxjs";
const ctx = webrtcStreamer({ key: "ui-image" });
const image = new Image({ width: "${W}" });
let n = 0;
image.show(ctx.frames$.pipe(map((f) => drawAnnotations(f, [{ kind: "text", x: 4, y: 4, text: "frame " + n++ }]))), { maxFps: 2 });
display(image);
ctx`;

interface IPicture {
  src: string;
  width: number;
  left: number;
  right: number;
}

/** The Image widget's <img>: its src and the mean brightness of its left and right thirds. */
async function picture(page: IJupyterLabPageFixture): Promise<IPicture | null> {
  return page.evaluate(() => {
    const img = document.querySelector('img.widget-image') as HTMLImageElement | null;
    if (!img || !img.complete || img.naturalWidth === 0) return null;
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const g = canvas.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const mean = (x0: number, x1: number) => {
      const d = g.getImageData(x0, Math.floor(canvas.height / 4), x1 - x0, Math.floor(canvas.height / 2)).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
      return sum / (d.length / 4);
    };
    const w = canvas.width;
    return { src: img.src, width: w, left: mean(0, Math.floor(w / 3)), right: mean(Math.ceil((2 * w) / 3), w) };
  });
}

test('an Image fed from frames$ shows the camera, and its picture changes', async ({ page }) => {
  await newTypeScriptNotebook(page, 'image-widget.ipynb');
  await runCode(page, 0, IMAGE_CELL);
  await expectNoErrors(page, 0);
  await clickStart(page);

  let first: IPicture | null = null;
  await test.step('the <img> shows the camera picture: dark left, bright right', async () => {
    await expect
      .poll(
        async () => {
          first = await picture(page);
          return first && first.width === W && first.left < DARK + 45 && first.right > BRIGHT - 45;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
  });

  await test.step('a newer picture replaces it (the counter burnt in changes)', async () => {
    await expect.poll(async () => (await picture(page))?.src, { timeout: 15_000 }).not.toBe(first!.src);
    await expectNoErrors(page, 0);
  });
});
