/**
 * Issue 8: output from a transform after its cell finished. JupyterLab drops output sent under a
 * finished cell's request, and every frame of a stream started with the Start button is processed
 * after the cell finished; so the streamer widget keeps its own log (the `log` trait, shown under
 * the videos). Chromium's fake camera (playwright.config.ts) supplies the frames.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import { expectNoErrors, newTypeScriptNotebook, runCode } from './helpers';

/** Frames the transforms let through before they print or throw: well after Start, so after the cell. */
const LATE_FRAME = 20;

const LATE_ERROR_CELL = `import { webrtcStreamer } from "jupyterlab-webrtc-bridge";
import { map } from "rxjs";
let frames = 0;
const late = webrtcStreamer({ key: "ui-late-error" });
late.transform((frames$) => frames$.pipe(map((frame) => {
  if (++frames > ${LATE_FRAME}) throw new Error("late failure after ${LATE_FRAME} frames");
  return frame;
})));
late`;

const LATE_LOG_CELL = `import { webrtcStreamer } from "jupyterlab-webrtc-bridge";
import { map } from "rxjs";
let seen = 0;
const talk = webrtcStreamer({ key: "ui-late-log" });
talk.transform((frames$) => frames$.pipe(map((frame) => {
  seen++;
  if (seen === ${LATE_FRAME}) console.log(\`frame \${seen} is \${frame.width}x\${frame.height}\`);
  if (seen === ${LATE_FRAME + 5}) console.error("late warning from the transform");
  return frame;
})));
talk`;

async function startStream(page: IJupyterLabPageFixture): Promise<void> {
  await page.locator('.jp-webrtc-start').first().click();
  await expect(page.locator('.jp-webrtc-status').first()).toHaveText(/^playing/i, { timeout: 30_000 });
}

async function stopStream(page: IJupyterLabPageFixture): Promise<void> {
  await page.locator('.jp-webrtc-stop').first().click();
  await expect(page.locator('.jp-webrtc-status').first()).toHaveText(/^stopped/i, { timeout: 30_000 });
}

test('a transform error after the cell finished shows in the widget log area, with its frame', async ({ page }) => {
  await newTypeScriptNotebook(page, 'late-error.ipynb');
  await runCode(page, 0, LATE_ERROR_CELL);
  // The cell finished cleanly: nothing has failed yet.
  await expectNoErrors(page, 0);
  const log = page.locator('[data-testid="webrtc-log"]').first();
  await expect(log).toBeHidden();

  await startStream(page);
  await expect(log).toBeVisible({ timeout: 30_000 });
  await expect(log.locator('[data-testid="webrtc-log-lines"]')).toContainText(
    new RegExp(`frame \\d+: transform error: Error: late failure after ${LATE_FRAME} frames`),
  );
  // Logged once, though every later frame fails too.
  await expect(log.locator('.jp-webrtc-log-line')).toHaveCount(1);
  await stopStream(page);
});

test('console output of a transform after the cell finished shows in the log area; Clear empties it', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'late-log.ipynb');
  await runCode(page, 0, LATE_LOG_CELL);
  await expectNoErrors(page, 0);
  const log = page.locator('[data-testid="webrtc-log"]').first();
  const lines = log.locator('[data-testid="webrtc-log-lines"]');

  await startStream(page);
  await expect(lines).toContainText(new RegExp(`frame ${LATE_FRAME} is \\d+x\\d+`), { timeout: 30_000 });
  await expect(lines).toContainText('stderr: late warning from the transform', { timeout: 30_000 });
  await expect(log).toBeVisible();

  await log.locator('[data-testid="webrtc-log-clear"]').click();
  await expect(log).toBeHidden();
  await stopStream(page);
});
