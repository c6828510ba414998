/**
 * Issue 9's quality controls in a real JupyterLab: while a stream plays, a cell's setQuality() and
 * then the site setting (written through the setting registry, as the Settings Editor does) cap
 * the picture's width, and the output video shrinks accordingly in the same session (no restart).
 * Both senders apply the caps: the browser's (the width the kernel receives) and the kernel's (the
 * width shown). Chromium's built-in fake camera (640x480); the transform passes frames through. Runs in
 * the loopback-only namespace of scripts/run-ui-tests.sh.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import { expectNoErrors, newTypeScriptNotebook, outputText, runCode } from './helpers';

const PLUGIN_ID = 'jupyterlab-webrtc:plugin';
const REGISTRY_PLUGIN_ID = '@jupyterlab/apputils-extension:settings';

/** Pass-through that remembers the width of the frames the kernel receives (the browser's sender caps). */
const STREAM_CELL = `import { webrtcStreamer } from "jupyterlab-webrtc-bridge";
import { tap } from "rxjs";
let receivedWidth = 0;
const ctx = webrtcStreamer({ key: "ui-quality" });
ctx.transform((frames$) => frames$.pipe(tap((frame) => (receivedWidth = frame.width))));
ctx`;

/** The width of the frames the kernel receives now (runs cell `index`). */
async function receivedWidth(page: IJupyterLabPageFixture, index: number): Promise<string> {
  await runCode(page, index, 'String(receivedWidth)');
  return outputText(page, index);
}

/** The width of the picture the output video shows (0 before its first frame). */
async function outputWidth(page: IJupyterLabPageFixture): Promise<number> {
  return page.evaluate(
    () => (document.querySelector('video.jp-webrtc-output') as HTMLVideoElement | null)?.videoWidth ?? 0,
  );
}

/** Writes (or with undefined, removes) the quality setting through the setting registry. */
async function setQualitySetting(page: IJupyterLabPageFixture, value: unknown): Promise<void> {
  await page.evaluate(
    async ({ pluginId, registryId, value }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const registry = await (window as any).galata.getPlugin(registryId);
      if (value === undefined) await registry.remove(pluginId, 'quality');
      else await registry.set(pluginId, 'quality', value);
    },
    { pluginId: PLUGIN_ID, registryId: REGISTRY_PLUGIN_ID, value },
  );
}

test.afterEach(async ({ page }) => {
  await setQualitySetting(page, undefined);
});

test('quality caps from a cell and from the site setting resize the live stream without restarting it', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'quality.ipynb');
  await runCode(page, 0, STREAM_CELL);
  await expectNoErrors(page, 0);
  await page.locator('.jp-webrtc-start').first().click();
  await expect(page.locator('.jp-webrtc-status').first()).toHaveText(/^playing/i, { timeout: 30_000 });
  await expect.poll(() => outputWidth(page), { timeout: 30_000 }).toBe(640);
  const session = await page.locator('[data-session-id]').first().getAttribute('data-session-id');

  await test.step("the notebook's setQuality caps the width while streaming", async () => {
    await runCode(page, 1, 'ctx.setQuality({ maxWidth: 320 }); JSON.stringify(ctx.get("quality"))');
    expect(await outputText(page, 1)).toContain('"max_width":320');
    await expect.poll(() => outputWidth(page), { timeout: 30_000 }).toBe(320);
    await expect.poll(() => receivedWidth(page, 2), { timeout: 30_000 }).toBe('320');
  });

  await test.step('with the widget back on the site setting, a settings change caps it too', async () => {
    await runCode(page, 1, 'ctx.setQuality(null); String(ctx.get("quality"))');
    await expect.poll(() => outputWidth(page), { timeout: 30_000 }).toBe(640);
    await setQualitySetting(page, { maxWidth: 160, degradation: 'maintain-resolution' });
    await expect.poll(() => outputWidth(page), { timeout: 30_000 }).toBe(160);
    await expect.poll(() => receivedWidth(page, 2), { timeout: 30_000 }).toBe('160');
  });

  await test.step('all on the first session', async () => {
    await expect(page.locator('.jp-webrtc-status').first()).toHaveText(/^playing/i);
    await expect(page.locator('.jp-webrtc-error').first()).not.toContainText('quality');
    expect(await page.locator('[data-session-id]').first().getAttribute('data-session-id')).toBe(session);
    await page.locator('.jp-webrtc-stop').first().click();
    await expect(page.locator('.jp-webrtc-status').first()).toHaveText(/^stopped/i, { timeout: 30_000 });
  });
});
