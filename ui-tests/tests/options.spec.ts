/**
 * Issue 13, the streamer's display options in a real JupyterLab with Chromium's fake camera:
 * `labels` replace the button and status texts, `mirror` flips the local preview (CSS transform),
 * `showInput: false` hides the input pane while the camera is still sent (the kernel counts its
 * frames), `size` sets the videos' width, and the stream still plays (the output video's frame
 * count grows). A bad option is refused under the cell with a clear error.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import {
  clickStart,
  expectNoErrors,
  newTypeScriptNotebook,
  outputText,
  runAndRead,
  runCode,
  streamerStatus,
} from './helpers';

const OPTIONS_CELL = `import { webrtcStreamer } from "jupyterlab-webrtc-bridge";
const cam = webrtcStreamer({
  key: "ui-options",
  labels: { start: "Go", stop: "Halt", outputCaption: "result" },
  mirror: true,
  showInput: false,
  size: { width: 480 },
});
let counted = 0;
cam.frames$.subscribe(() => counted++);
cam`;

const BAD_CELL = `webrtcStreamer({ key: "ui-options-bad", size: { width: "480" } })`;

/** Frames the output video has shown so far (Chromium's playback quality counter). */
function shownFrames(page: IJupyterLabPageFixture): Promise<number> {
  return page
    .locator('video.jp-webrtc-output')
    .first()
    .evaluate((video: HTMLVideoElement) => video.getVideoPlaybackQuality().totalVideoFrames);
}

test('labels, a mirrored and hidden input, and a size show in the widget, which still plays', async ({ page }) => {
  await newTypeScriptNotebook(page, 'options.ipynb');
  await runCode(page, 0, OPTIONS_CELL);
  await expectNoErrors(page, 0);

  const widget = page.locator('.jp-webrtc').first();
  await test.step('the labels replace the texts', async () => {
    await expect(widget.locator('.jp-webrtc-start')).toHaveText('Go');
    await expect(widget.locator('.jp-webrtc-stop')).toHaveText('Halt');
    await expect(streamerStatus(page)).toHaveText('idle: press Go to stream the camera');
    await expect(widget.locator('[data-testid="webrtc-output-pane"] figcaption')).toHaveText('result');
  });

  await test.step('the preview is mirrored (CSS only) and its pane hidden', async () => {
    // hidden, it has no layout, so Chromium computes no transform: its style says it
    const local = widget.locator('video.jp-webrtc-local');
    expect(await local.evaluate((video) => video.style.transform)).toBe('scaleX(-1)');
    await expect(widget.locator('[data-testid="webrtc-local-pane"]')).toBeHidden();
    await expect(widget.locator('[data-testid="webrtc-output-pane"]')).toBeVisible();
  });

  await clickStart(page);

  await test.step('the output plays at the width asked for, with the frame’s aspect ratio', async () => {
    const output = widget.locator('video.jp-webrtc-output');
    const before = await shownFrames(page);
    await expect.poll(() => shownFrames(page), { timeout: 30_000 }).toBeGreaterThan(before + 10);
    const size = await output.evaluate((video: HTMLVideoElement) => ({
      width: video.getBoundingClientRect().width,
      height: video.getBoundingClientRect().height,
      ratio: video.videoWidth / video.videoHeight,
    }));
    expect(size.width).toBeCloseTo(480, 0);
    expect(size.height).toBeCloseTo(480 / size.ratio, 0);
  });

  await test.step('the hidden camera is still sent: the kernel counts its frames', async () => {
    await expect
      .poll(async () => Number(await runAndRead(page, 1, 'counted')), { timeout: 30_000 })
      .toBeGreaterThan(20);
  });

  await test.step('shown again by a re-run, the preview plays mirrored; the output is not mirrored', async () => {
    await runCode(page, 0, OPTIONS_CELL.replace('showInput: false', 'showInput: true'));
    await expectNoErrors(page, 0);
    const shown = page.locator('.jp-webrtc').first();
    await expect(shown.locator('[data-testid="webrtc-local-pane"]')).toBeVisible();
    const local = shown.locator('video.jp-webrtc-local');
    await expect.poll(() => local.evaluate((video: HTMLVideoElement) => video.videoWidth)).toBeGreaterThan(0);
    expect(await local.evaluate((video) => getComputedStyle(video).transform)).toBe('matrix(-1, 0, 0, 1, 0, 0)');
    expect(await shown.locator('video.jp-webrtc-output').evaluate((video) => getComputedStyle(video).transform)).toBe(
      'none',
    );
    await expect(streamerStatus(page)).toHaveText(/^playing/);
  });

  await test.step('a bad option is refused under the cell, saying what it takes', async () => {
    await runCode(page, 2, BAD_CELL);
    await expect
      .poll(() => outputText(page, 2), { timeout: 30_000 })
      .toContain('webrtcStreamer: size.width must be a number of pixels from 16 to 7680 or a CSS length');
    await expect(streamerStatus(page)).toHaveText(/^playing/);
  });
});
