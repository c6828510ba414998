/**
 * Issue 10, stream modes in a real JupyterLab with Chromium's fake camera, in the loopback-only
 * namespace of scripts/run-ui-tests.sh:
 * - sendonly: the camera reaches the kernel (a cell counts frames$), nothing comes back: no output
 *   video element, no encoder ever opened in the kernel (the overlay's kernel.encoded stays 0 and
 *   the streamer's encoderOpens is 0);
 * - recvonly: the kernel plays an Observable drawn by the cell (left half red, right half blue);
 *   the page never calls getUserMedia (counted in the page), and the output video's pixels show
 *   the pattern.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import {
  clickStart,
  clickStop,
  expectNoErrors,
  newTypeScriptNotebook,
  outputText,
  outputThirds,
  runAndRead,
  runCode,
  streamerStatus,
} from './helpers';

/** Counts getUserMedia calls in the page (the streamer calls it on navigator.mediaDevices). */
async function countGetUserMedia(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() => {
    const devices = navigator.mediaDevices;
    const original = devices.getUserMedia.bind(devices);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const w = window as any;
    w.__getUserMediaCalls = 0;
    devices.getUserMedia = (constraints?: MediaStreamConstraints) => {
      w.__getUserMediaCalls++;
      return original(constraints);
    };
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const getUserMediaCalls = (page: IJupyterLabPageFixture) => page.evaluate(() => (window as any).__getUserMediaCalls);

/** The overlay's total for a kernel stage (-1 while unknown). */
async function kernelTotal(page: IJupyterLabPageFixture, stage: string): Promise<number> {
  const value = await page
    .locator(`.jp-webrtc-stats tr[data-stage="kernel.${stage}"]`)
    .first()
    .getAttribute('data-total', { timeout: 1000 })
    .catch(() => null);
  return value === null ? -1 : Number(value);
}

const SENDONLY_CELL = `import { webrtcStreamer } from "jupyterlab-webrtc-bridge";
const cam = webrtcStreamer({ key: "ui-sendonly", mode: "sendonly", showStats: true });
let counted = 0;
cam.frames$.subscribe(() => counted++);
cam`;

test('sendonly: the kernel counts the camera frames; no output video, no encoder in the kernel', async ({ page }) => {
  await newTypeScriptNotebook(page, 'modes-sendonly.ipynb');
  await countGetUserMedia(page);
  await runCode(page, 0, SENDONLY_CELL);
  await expectNoErrors(page, 0);
  await expect(page.locator('.jp-webrtc[data-mode="sendonly"]')).toHaveCount(1);
  await expect(page.locator('video.jp-webrtc-output')).toHaveCount(0);

  await clickStart(page);
  expect(await getUserMediaCalls(page)).toBe(1);

  await test.step('frames reach frames$ in the kernel', async () => {
    await expect
      .poll(async () => Number(await runAndRead(page, 1, 'counted')), { timeout: 30_000 })
      .toBeGreaterThan(20);
  });

  await test.step('the kernel decoded them and encoded nothing: no encoder was ever opened', async () => {
    await expect.poll(() => kernelTotal(page, 'decoded'), { timeout: 30_000 }).toBeGreaterThan(20);
    expect(await kernelTotal(page, 'encoded')).toBe(0);
    expect(await kernelTotal(page, 'sent')).toBe(0);
    // Read after a stats message that counted decoded frames (the same report carries encoder_opens).
    await runCode(page, 2, '`encoders ${cam.encoderOpens} status ${cam.get("kernel_status")}`');
    expect(await outputText(page, 2)).toBe('encoders 0 status playing');
    await expect(page.locator('video.jp-webrtc-output')).toHaveCount(0);
  });

  await clickStop(page);
});

const W = 320;
const H = 240;
/** BT.601 limited-range YUV of pure red and pure blue. */
const RECVONLY_CELL = `import { webrtcStreamer, createI420Frame } from "jupyterlab-webrtc-bridge";
import { interval, map } from "rxjs";
const W = ${W}, H = ${H};
/** Left half red, right half blue. */
function halves(): ReturnType<typeof createI420Frame> {
  const f = createI420Frame(W, H, performance.now());
  const cw = W / 2;
  for (let row = 0; row < H; row++) { f.y.fill(81, row * W, row * W + W / 2); f.y.fill(41, row * W + W / 2, (row + 1) * W); }
  for (let row = 0; row < H / 2; row++) {
    f.u.fill(90, row * cw, row * cw + cw / 2); f.u.fill(240, row * cw + cw / 2, (row + 1) * cw);
    f.v.fill(240, row * cw, row * cw + cw / 2); f.v.fill(110, row * cw + cw / 2, (row + 1) * cw);
  }
  return f;
}
const player = webrtcStreamer({ key: "ui-recvonly", mode: "recvonly", source: interval(33).pipe(map(halves)) });
player`;

/** The output video's left and right thirds as colour names ("red | blue"). */
async function outputColours(page: IJupyterLabPageFixture): Promise<string> {
  const thirds = await outputThirds(page);
  if (!thirds) return 'no picture';
  const colour = ([r, g, b]: number[]) =>
    r > 180 && g < 70 && b < 70
      ? 'red'
      : b > 180 && r < 70 && g < 70
        ? 'blue'
        : g > 180 && r < 70 && b < 70
          ? 'green'
          : `rgb(${[r, g, b].map((c) => c.toFixed(0)).join(',')})`;
  return `${colour(thirds.left)} | ${colour(thirds.right)}`;
}

test.describe('recvonly', () => {
  // The page keeps the camera permission of the other tests: without any media permission Chrome
  // gathers host candidates only on the default route's interface (mDNS-named), and this
  // loopback-only namespace has no default route, so it would gather none at all (measured).
  // What must not happen is a getUserMedia call, which the test counts.
  test('recvonly: the kernel plays an Observable drawn by the cell, the page never opens a camera', async ({
    page,
  }) => {
    await newTypeScriptNotebook(page, 'modes-recvonly.ipynb');
    await countGetUserMedia(page);
    await runCode(page, 0, RECVONLY_CELL);
    await expectNoErrors(page, 0);
    await expect(page.locator('.jp-webrtc[data-mode="recvonly"]')).toHaveCount(1);
    await expect(page.locator('video.jp-webrtc-local')).toHaveCount(0);
    await expect(page.locator('.jp-webrtc-camera')).toBeHidden();

    await clickStart(page);
    await expect.poll(() => outputColours(page), { timeout: 30_000 }).toBe('red | blue');
    expect(await getUserMediaCalls(page)).toBe(0);

    await test.step('a source that errors: told under the cell and in the widget, the stream stays up', async () => {
      const session = await page.locator('[data-session-id]').first().getAttribute('data-session-id');
      await runCode(
        page,
        1,
        'import { throwError } from "rxjs";\nplayer.setSource(throwError(() => new Error("broken clock")));\n"set"',
      );
      const message = 'source error: Error: broken clock (nothing new is sent until the source is replaced)';
      await expect((await page.notebook.getCellOutputLocator(1))!).toContainText(message);
      await expect(page.locator('.jp-webrtc-error').first()).toContainText(message);
      await expect(streamerStatus(page)).toHaveText(/^playing/i);
      // A working source (right half green now) plays on the same session, without a new Start.
      await runCode(
        page,
        2,
        `player.setSource(interval(33).pipe(map(() => { const f = halves(); for (let row = 0; row < H / 2; row++) { f.u.fill(54, row * W / 2 + W / 4, (row + 1) * W / 2); f.v.fill(34, row * W / 2 + W / 4, (row + 1) * W / 2); f.y.fill(145, row * 2 * W + W / 2, (row * 2 + 1) * W); f.y.fill(145, (row * 2 + 1) * W + W / 2, (row * 2 + 2) * W); } return f; })));\n"set"`,
      );
      await expect.poll(() => outputColours(page), { timeout: 30_000 }).toBe('red | green');
      expect(await page.locator('[data-session-id]').first().getAttribute('data-session-id')).toBe(session);
    });

    await test.step('Stop lets the source go (unsubscribed in the kernel)', async () => {
      await clickStop(page);
      await expect
        .poll(() => runAndRead(page, 3, '`${player.get("kernel_status")} ${player.sourceSubscribed}`'), {
          timeout: 30_000,
        })
        .toBe('stopped false');
    });
  });

  test('recvonly without a source: a clear error under the cell, no widget', async ({ page }) => {
    await newTypeScriptNotebook(page, 'modes-recvonly-error.ipynb');
    await runCode(
      page,
      0,
      'import { webrtcStreamer } from "jupyterlab-webrtc-bridge";\nwebrtcStreamer({ key: "ui-nosource", mode: "recvonly" })',
    );
    await expect((await page.notebook.getCellOutputLocator(0))!).toContainText('recvonly needs a source');
    await expect(page.locator('.jp-webrtc')).toHaveCount(0);
  });
});
