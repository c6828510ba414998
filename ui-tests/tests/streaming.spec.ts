/**
 * Issue 4: live video through the kernel, in a real JupyterLab with Chromium's fake camera. The
 * camera plays a still y4m picture (left half dark, right half bright); the transform inverts it,
 * mixed by a slider; the test reads pixels of the output <video>. Runs in the loopback-only
 * namespace of scripts/run-ui-tests.sh, so ICE uses 127.0.0.1 only.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import {
  clickStart,
  clickStop,
  expectNoErrors,
  fakeCameraFrom,
  newTypeScriptNotebook,
  outputText,
  reloadPage,
  runAndRead,
  runCode,
  streamerStatus,
  writeHalvesPicture,
  halvesShown,
} from './helpers';

const W = 320;
const H = 240;
const DARK = 40;
const BRIGHT = 210;

test.use({ launchOptions: fakeCameraFrom(writeHalvesPicture('camera', W, H, DARK, BRIGHT)) });

const STREAM_CELL = `import { webrtcStreamer, FloatSlider, createI420Frame } from "jupyterlab-webrtc-bridge";
import { map, withLatestFrom } from "rxjs";
const mix = new FloatSlider({ description: "invert", min: 0, max: 1, step: 1, value: 1 });
const ctx = webrtcStreamer({ key: "ui-invert" });
ctx.transform((frames$) => frames$.pipe(
  withLatestFrom(mix.value$),
  map(([frame, m]) => {
    const out = createI420Frame(frame.width, frame.height, frame.timestamp, new Uint8Array(frame.data));
    for (let i = 0; i < out.y.length; i++) out.y[i] = m ? 255 - frame.y[i] : frame.y[i];
    return out;
  }),
));
display(mix);
ctx`;

const BROKEN_CELL = `const again = webrtcStreamer({ key: "ui-invert" });
again.transform((frames$) => frames$.pipe(map((): never => { throw new Error("broken on purpose"); })));
again`;

/** UDP sockets the kernel process holds (its peer's ICE sockets). */
const UDP_CELL = `import { readFileSync, readdirSync, readlinkSync } from "fs";
const udpInodes = () => new Set(["/proc/net/udp", "/proc/net/udp6"].flatMap((f) => readFileSync(f, "utf8").trim().split("\\n").slice(1).map((l) => l.trim().split(/\\s+/)[9])));
const udp = () => { const inodes = udpInodes(); return readdirSync("/proc/self/fd").map((fd) => { try { return readlinkSync("/proc/self/fd/" + fd); } catch { return ""; } })
  .filter((l) => inodes.has(l.replace(/^socket:\\[(\\d+)\\]$/, "$1"))).length; };
"udp " + udp()`;

/** "inverted", "original", or what the output shows instead. */
const picture = (page: IJupyterLabPageFixture) => halvesShown(page, DARK, BRIGHT);

test('camera → kernel transform → browser: inverted, steered by a slider, released on Stop', async ({ page }) => {
  await newTypeScriptNotebook(page, 'streaming.ipynb');
  // Another file's cells use display() without importing it; bring it in scope for this notebook.
  await runCode(page, 0, 'import { display } from "jupyterlab-webrtc-bridge";\n' + UDP_CELL);
  const before = await outputText(page, 0);
  await runCode(page, 1, STREAM_CELL);
  await expectNoErrors(page, 1);

  await clickStart(page);

  await test.step('the output video is the inverted camera picture', async () => {
    await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('inverted');
  });

  await test.step('moving the slider changes the transform on the next frames', async () => {
    const handle = page.locator('.widget-slider .noUi-handle').first();
    await handle.focus();
    await handle.press('Home');
    await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('original');
  });

  await test.step('re-running the cell with the same key swaps the transform on the same connection', async () => {
    const session = await page.locator('[data-session-id]').first().getAttribute('data-session-id');
    await runCode(page, 1, BROKEN_CELL);
    // The error shows under the cell (raised while it runs) and in the widget; frames pass through.
    const output = (await page.notebook.getCellOutputLocator(1))!;
    await expect(output.locator('[data-mime-type="application/vnd.jupyter.stderr"]')).toContainText(
      'transform error: Error: broken on purpose',
    );
    await expect(page.locator('.jp-webrtc-error').first()).toContainText('broken on purpose');
    await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('original');
    await expect(streamerStatus(page)).toHaveText(/^playing/i);

    await runCode(page, 1, STREAM_CELL);
    await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('inverted');
    await expect(page.locator('.jp-webrtc-error').first()).not.toContainText('broken on purpose');
    expect(await page.locator('[data-session-id]').first().getAttribute('data-session-id')).toBe(session);
    // Back to the original picture for the next step's slider-independent checks.
    const handle = page.locator('.widget-slider .noUi-handle').first();
    await handle.focus();
    await handle.press('Home');
    await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('original');
  });

  await test.step('the kernel holds ICE sockets while playing', async () => {
    await runCode(page, 2, '"udp " + udp()');
    expect(Number((await outputText(page, 2)).split(' ')[1])).toBeGreaterThan(Number(before.split(' ')[1]));
  });

  await test.step('Stop ends the camera track and the kernel releases the peer', async () => {
    await page.evaluate(() => {
      const video = document.querySelector('video.jp-webrtc-local') as HTMLVideoElement;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (window as any).__cameraTracks = (video.srcObject as MediaStream).getTracks();
    });
    await clickStop(page);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const ended = await page.evaluate(() => (window as any).__cameraTracks.map((t: MediaStreamTrack) => t.readyState));
    expect(ended.length).toBeGreaterThan(0);
    expect(ended.every((state: string) => state === 'ended')).toBe(true);
    await expect
      .poll(() => runAndRead(page, 3, 'ctx.get("kernel_status") + " " + udp()'), { timeout: 30_000 })
      .toBe(`stopped ${before.split(' ')[1]}`);
  });
});

test('after a page reload the streamer renders again, the old session is released, and Start plays again', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'streaming-reload.ipynb');
  await runCode(page, 0, 'import { display } from "jupyterlab-webrtc-bridge";\n' + UDP_CELL);
  const before = (await outputText(page, 0)).split(' ')[1];
  await runCode(page, 1, STREAM_CELL);
  await expectNoErrors(page, 1);
  await clickStart(page);
  await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('inverted');

  await page.notebook.save();
  await reloadPage(page);

  await test.step('the widget is restored from the kernel without re-running a cell', async () => {
    await expect(page.locator('.jp-webrtc-start').first()).toBeVisible({ timeout: 60_000 });
  });

  await test.step('the page that went away released its session: kernel stopped, ICE sockets back to baseline', async () => {
    await expect
      .poll(() => runAndRead(page, 2, 'ctx.get("kernel_status") + " " + udp()'), { timeout: 45_000 })
      .toBe(`stopped ${before}`);
  });

  await test.step('Start on the restored widget plays the transform again', async () => {
    await clickStart(page);
    await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('inverted');
    await clickStop(page);
  });
});
