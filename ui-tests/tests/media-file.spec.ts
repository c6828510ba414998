/**
 * Issue 10, kernel-side file source, in a real JupyterLab: a cell writes a test clip with node-av
 * (writeTestClip: left half red, right half blue) and plays it looped to a recvonly streamer with
 * mediaFile(); the output video's pixels show the clip's pattern, and a snapshot of the stream's
 * input is that picture too. With `audio: true` the clip's 1 kHz tone plays in the output element
 * (a WebAudio analyser in the page finds it). Runs in the loopback-only namespace of
 * scripts/run-ui-tests.sh.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import { tmpdir } from 'os';
import * as path from 'path';
import config from '../playwright.config';
import { analyseOutput, expectNoErrors, newTypeScriptNotebook, outputText, runCode } from './helpers';

const baseLaunch = config.use!.launchOptions!;
test.use({
  // the output plays sound (a page may play it with the microphone's permission); recvonly opens
  // no camera, but without the camera's permission Chrome gathers no candidates in this namespace
  permissions: ['camera', 'microphone'],
  launchOptions: { ...baseLaunch, args: [...(baseLaunch.args ?? []), '--autoplay-policy=no-user-gesture-required'] },
});

const CLIP = path.join(tmpdir(), `jupyterlab-webrtc-ui-clip-${process.pid}.webm`);
const TONE_HZ = 1000;

const PLAYER_CELL = `import { webrtcStreamer, mediaFile, writeTestClip } from "jupyterlab-webrtc-bridge";
await writeTestClip(${JSON.stringify(CLIP)}, { width: 320, height: 240, fps: 30, frames: 60 });
const clip = mediaFile(${JSON.stringify(CLIP)}, { loop: true });
const player = webrtcStreamer({ key: "ui-media-file", mode: "recvonly", source: clip });
player`;

/** The colours of the left and right thirds of the output video, e.g. "red|blue". */
async function outputColours(page: IJupyterLabPageFixture): Promise<string> {
  return page.evaluate(() => {
    const video = document.querySelector('video.jp-webrtc-output') as HTMLVideoElement | null;
    if (!video || video.videoWidth === 0) return 'no picture';
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const g = canvas.getContext('2d')!;
    g.drawImage(video, 0, 0);
    const colour = (x0: number, x1: number) => {
      const d = g.getImageData(x0, Math.floor(canvas.height / 4), x1 - x0, Math.floor(canvas.height / 2)).data;
      const [r, gr, b] = [0, 1, 2].map((c) => {
        let sum = 0;
        for (let i = c; i < d.length; i += 4) sum += d[i];
        return sum / (d.length / 4);
      });
      if (r > 180 && gr < 70 && b < 70) return 'red';
      if (b > 180 && r < 70 && gr < 70) return 'blue';
      return `rgb(${[r, gr, b].map(Math.round).join(',')})`;
    };
    const w = canvas.width;
    return `${colour(0, Math.floor(w / 3))}|${colour(Math.ceil((2 * w) / 3), w)}`;
  });
}

test('recvonly from a clip written at test time: the output video shows its colour pattern', async ({ page }) => {
  await newTypeScriptNotebook(page, 'media-file.ipynb');
  await runCode(page, 0, PLAYER_CELL);
  await expectNoErrors(page, 0);
  await runCode(page, 1, 'await player.start();\nconsole.log(player.get("kernel_status"));');
  await expectNoErrors(page, 1);
  expect(await outputText(page, 1)).toContain('playing');
  await expect.poll(() => outputColours(page), { timeout: 30_000 }).toBe('red|blue');

  await test.step('the file is decoded once, in one worker, and its frames are the stream input', async () => {
    await runCode(
      page,
      2,
      `const shot = await player.snapshot();
const rgba = shot.toRGBA();
const at = (x: number) => Array.from(rgba.subarray((120 * shot.width + x) * 4, (120 * shot.width + x) * 4 + 3));
console.log(shot.width, shot.height, JSON.stringify(at(80)), JSON.stringify(at(240)), clip.playing);`,
    );
    await expectNoErrors(page, 2);
    const [width, height, left, right, playing] = (await outputText(page, 2)).trim().split(' ');
    expect([width, height, playing]).toEqual(['320', '240', 'true']);
    const [r1, g1, b1] = JSON.parse(left) as number[];
    const [r2, g2, b2] = JSON.parse(right) as number[];
    expect(r1 > 200 && g1 < 50 && b1 < 50).toBe(true);
    expect(b2 > 200 && r2 < 50 && g2 < 50).toBe(true);
  });

  await test.step('Stop unsubscribes the file: its decode ends', async () => {
    await runCode(page, 3, 'await player.stop();\nconsole.log("decoding", clip.playing);');
    expect(await outputText(page, 3)).toContain('decoding false');
  });
});

const AUDIO_PLAYER_CELL = `import { webrtcStreamer, mediaFile, writeTestClip } from "jupyterlab-webrtc-bridge";
await writeTestClip(${JSON.stringify(CLIP)}, { width: 320, height: 240, fps: 30, frames: 60, toneHz: ${TONE_HZ} });
const clip = mediaFile(${JSON.stringify(CLIP)}, { loop: true });
const player = webrtcStreamer({ key: "ui-media-file-audio", mode: "recvonly", audio: true, source: clip });
player`;

test('recvonly with audio from the clip: the output plays its 1 kHz tone and shows its picture', async ({ page }) => {
  await newTypeScriptNotebook(page, 'media-file-audio.ipynb');
  await runCode(page, 0, AUDIO_PLAYER_CELL);
  await expectNoErrors(page, 0);
  await runCode(page, 1, 'await player.start();\nconsole.log(player.get("kernel_status"));');
  await expectNoErrors(page, 1);
  expect(await outputText(page, 1)).toContain('playing');
  await expect.poll(() => outputColours(page), { timeout: 30_000 }).toBe('red|blue');

  await test.step('the browser offered to receive audio, the kernel sends it: the output carries a track', async () => {
    const tracks = await page.evaluate(() => {
      const video = document.querySelector('video.jp-webrtc-output') as HTMLVideoElement;
      const stream = video.srcObject as MediaStream | null;
      return { audio: stream?.getAudioTracks().length ?? 0, video: stream?.getVideoTracks().length ?? 0 };
    });
    expect(tracks).toEqual({ audio: 1, video: 1 });
    // no microphone in recvonly
    await expect(page.locator('video.jp-webrtc-local')).toHaveCount(0);
  });

  await test.step('a WebAudio analyser on the output hears the tone', async () => {
    await analyseOutput(page);
    await expect
      .poll(
        async () => {
          const { hz, peak } = await page.evaluate(
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            () => (window as any).__outputTone() as { hz: number; peak: number },
          );
          // bins are 48000 / 4096 = 11.7 Hz wide; the clip's tone has amplitude 0.5
          return Math.abs(hz - TONE_HZ) < 25 && peak > 0.1
            ? 'tone'
            : `loudest ${hz.toFixed(0)} Hz, peak ${peak.toFixed(3)}`;
        },
        { timeout: 30_000 },
      )
      .toBe('tone');
  });

  await runCode(page, 2, 'await player.stop();\nconsole.log("decoding", clip.playing);');
  expect(await outputText(page, 2)).toContain('decoding false');
});
