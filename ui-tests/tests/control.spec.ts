/**
 * Issue 10, control from code, in a real JupyterLab with Chromium's fake camera (a still y4m
 * picture: left half dark, right half bright): a cell starts the stream with `await ctx.start()`
 * (nobody clicks Start), a camera the page refuses shows up in `status$` with its reason, choosing a
 * second camera while playing swaps the track (replaceTrack) on the same session (with `audio: true`
 * the kernel still hears the microphone after it, and a microphone switch swaps the audio track), and
 * a snapshot displays as a PNG image. Runs in the loopback-only namespace of scripts/run-ui-tests.sh.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import {
  clickStart,
  expectNoErrors,
  fakeCameraFrom,
  grey,
  newTypeScriptNotebook,
  outputText,
  outputThirds,
  runCode,
  streamerStatus,
  writeHalvesPicture,
} from './helpers';

const W = 320;
const H = 240;

// The camera: luma 40 on the left half, 210 on the right.
test.use({ launchOptions: fakeCameraFrom(writeHalvesPicture('control', W, H, 40, 210)) });

const STREAM_CELL = `import { webrtcStreamer, display } from "jupyterlab-webrtc-bridge";
const ctx = webrtcStreamer({ key: "ui-control" });
ctx`;

/**
 * The output video's picture: "camera" (dark | bright), "blue" (the second camera), or what it
 * measured when neither (yet).
 */
async function outputPicture(page: IJupyterLabPageFixture): Promise<string> {
  const thirds = await outputThirds(page);
  if (!thirds) return 'no picture';
  const { left, right } = thirds;
  if (grey(left) < 90 && grey(right) > 160) return 'camera';
  const isBlue = (rgb: number[]) => rgb[2] > 180 && rgb[0] < 70 && rgb[1] < 70;
  if (isBlue(left) && isBlue(right)) return 'blue';
  return `neither: left ${left.map(Math.round)}, right ${right.map(Math.round)}`;
}

test('start from code: a cell awaits ctx.start() and the widget plays; a refused camera reaches status$', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'control-start.ipynb');
  await runCode(page, 0, STREAM_CELL);
  await expectNoErrors(page, 0);
  await expect(streamerStatus(page)).toHaveText(/^idle/i);

  await test.step('await ctx.start() plays without a click', async () => {
    await runCode(page, 1, 'await ctx.start();\nconsole.log(ctx.get("kernel_status"));');
    await expectNoErrors(page, 1);
    expect(await outputText(page, 1)).toContain('playing');
    await expect(streamerStatus(page)).toHaveText(/^playing/i);
    await expect.poll(() => outputPicture(page), { timeout: 30_000 }).toBe('camera');
  });

  await test.step('snapshot(): a cell displays the latest frame as a PNG image', async () => {
    await runCode(page, 2, 'display(await ctx.snapshot());');
    await expectNoErrors(page, 2);
    const image = (await page.notebook.getCellOutputLocator(2))!.locator('img').first();
    await expect(image).toHaveAttribute('src', /^data:image\/png;base64,/);
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(W);
  });

  await test.step('a camera the page refuses: status$ and start() carry the reason', async () => {
    await runCode(page, 3, 'await ctx.stop();\nctx.get("kernel_status")');
    await expect(streamerStatus(page)).toHaveText(/^stopped/i);
    await page.evaluate(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await runCode(
      page,
      4,
      // what status$ emitted, printed by the cell (a subscriber runs when the browser's message arrives)
      `const failures: string[] = [];
ctx.status$.subscribe((s) => { if (s.side === "browser" && s.state === "error") failures.push("status$: " + s.reason); });
try { await ctx.start(); } catch (e) { console.log((e as Error).message); }
console.log(failures.join("\\n"));`,
    );
    const text = await outputText(page, 4);
    expect(text).toContain('status$: camera access denied');
    expect(text).toContain('start(): the browser could not start the stream: camera access denied');
    await expect(streamerStatus(page)).toHaveText(/^error: camera access denied/i);
  });
});

/**
 * A second camera for the page: a blue canvas, listed as "test-camera-2"; the kind of each track given
 * to replaceTrack is recorded in window.__replaced.
 */
async function installSecondCamera(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() => {
    const devices = navigator.mediaDevices;
    const listDevices = devices.enumerateDevices.bind(devices);
    const open = devices.getUserMedia.bind(devices);
    const second = {
      deviceId: 'test-camera-2',
      groupId: 'test',
      kind: 'videoinput',
      label: 'test camera 2',
      toJSON: () => ({}),
    } as MediaDeviceInfo;
    devices.enumerateDevices = async () => [...(await listDevices()), second];
    devices.getUserMedia = async (constraints) => {
      const video = constraints?.video;
      const wanted =
        typeof video === 'object' ? (video.deviceId as ConstrainDOMStringParameters | undefined) : undefined;
      if (wanted?.exact !== 'test-camera-2' && wanted?.ideal !== 'test-camera-2') return open(constraints);
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 240;
      const g = canvas.getContext('2d')!;
      const draw = () => {
        g.fillStyle = '#0000ff';
        g.fillRect(0, 0, canvas.width, canvas.height);
      };
      draw();
      setInterval(draw, 50);
      return canvas.captureStream(20);
    };
    const replaceTrack = RTCRtpSender.prototype.replaceTrack;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (window as any).__replaced = [];
    RTCRtpSender.prototype.replaceTrack = function (track) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (window as any).__replaced.push(track?.kind ?? null);
      return replaceTrack.call(this, track);
    };
  });
}

test('camera switch while playing: replaceTrack, the second camera shows, the same session', async ({ page }) => {
  await newTypeScriptNotebook(page, 'control-switch.ipynb');
  await installSecondCamera(page);
  await runCode(page, 0, STREAM_CELL);
  await expectNoErrors(page, 0);
  await clickStart(page);
  await expect.poll(() => outputPicture(page), { timeout: 30_000 }).toBe('camera');
  const root = page.locator('[data-session-id]').first();
  const session = await root.getAttribute('data-session-id');

  const picker = page.locator('.jp-webrtc-camera').first();
  await expect(picker.locator('option[value="test-camera-2"]')).toHaveCount(1);
  await picker.selectOption('test-camera-2');
  await expect.poll(() => outputPicture(page), { timeout: 30_000 }).toBe('blue');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  expect(await page.evaluate(() => (window as any).__replaced)).toEqual(['video']);
  expect(await root.getAttribute('data-session-id')).toBe(session);
  await expect(streamerStatus(page)).toHaveText(/^playing/i);
});

// With audio: the kernel counts the microphone's frames and measures the fake microphone's 400 Hz
// beep (500 ms apart) in each second of them; the output's sound is not needed.
const AUDIO_STREAM_CELL = `import { webrtcStreamer, display, Label, toneLevel } from "jupyterlab-webrtc-bridge";
import { bufferCount } from "rxjs";
const heard = new Label({ value: "waiting for audio" });
let frames = 0;
const ctx = webrtcStreamer({ key: "ui-control-audio", audio: true,
  mediaConstraints: { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } } });
ctx.audio$.pipe(bufferCount(50)).subscribe((batch) => {
  frames += batch.length;
  heard.value = "frames " + frames + " beep " + Math.max(...batch.map((f) => toneLevel(f, 400))).toFixed(4);
});
display(heard);
ctx`;

/** The kernel's audio count and the latest second's beep level, from the Label. */
async function heardAudio(page: IJupyterLabPageFixture): Promise<{ frames: number; beep: number }> {
  const text =
    (await page
      .locator('.widget-label')
      .filter({ hasText: /frames|waiting/ })
      .first()
      .textContent()) ?? '';
  const m = /frames (\d+) beep ([\d.]+)/.exec(text);
  return m ? { frames: Number(m[1]), beep: Number(m[2]) } : { frames: 0, beep: -1 };
}

/** Resolves once the kernel has counted `more` frames beyond `after`, the latest second with the beep. */
async function expectAudioGrows(page: IJupyterLabPageFixture, after: number, more: number): Promise<number> {
  let frames = 0;
  await expect
    .poll(
      async () => {
        const heard = await heardAudio(page);
        frames = heard.frames;
        return heard.frames >= after + more && heard.beep > 0.05 ? 'growing' : JSON.stringify(heard);
      },
      { timeout: 30_000 },
    )
    .toBe('growing');
  return frames;
}

test.describe('with audio', () => {
  test.use({ permissions: ['camera', 'microphone'] });

  test('switching camera, then microphone, while playing: the kernel still hears the microphone, same session', async ({
    page,
  }) => {
    await newTypeScriptNotebook(page, 'control-switch-audio.ipynb');
    await installSecondCamera(page);
    await runCode(page, 0, AUDIO_STREAM_CELL);
    await expectNoErrors(page, 0);
    await page.locator('.jp-webrtc-start').first().click();
    await expect(page.locator('.jp-webrtc-status').first()).toHaveText(/^playing/i, { timeout: 30_000 });
    let frames = await expectAudioGrows(page, 0, 100);
    const root = page.locator('[data-session-id]').first();
    const session = await root.getAttribute('data-session-id');

    await test.step('the camera switch leaves the microphone sending', async () => {
      await page.locator('.jp-webrtc-camera').first().selectOption('test-camera-2');
      await expect.poll(() => outputPicture(page), { timeout: 30_000 }).toBe('blue');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      expect(await page.evaluate(() => (window as any).__replaced)).toEqual(['video']);
      frames = await expectAudioGrows(page, frames, 150);
    });

    await test.step('choosing a listed microphone replaces the audio track; the kernel still hears it', async () => {
      const picker = page.locator('.jp-webrtc-microphone').first();
      await expect(picker).toBeEnabled();
      const listed = picker.locator('option:not([value=""])').first();
      await expect(listed).toHaveCount(1); // the fake microphone, listed once the page may use it
      await picker.selectOption((await listed.getAttribute('value'))!);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await expect.poll(() => page.evaluate(() => (window as any).__replaced)).toEqual(['video', 'audio']);
      await expectAudioGrows(page, frames, 150);
      await expect(page.locator('.jp-webrtc-error').first()).toHaveText('');
    });
    expect(await root.getAttribute('data-session-id')).toBe(session);
    await expect(page.locator('.jp-webrtc-status').first()).toHaveText(/^playing/i);
  });
});
