/**
 * Issue 12 follow-up: the kernel transport carries every mode and audio, as WebRTC does.
 * (a) recvonly over transport "kernel" from a clip with a 1 kHz tone (mediaFile): the output shows
 *     the clip's picture and a WebAudio analyser on the output element hears the tone (the audio
 *     came as Opus `audio` media messages, decoded by WebCodecs).
 * (b) sendonly over "kernel" with audio: the kernel's frames$ counts the camera's frames and its
 *     audio$ hears Chromium's fake microphone beep (400 Hz).
 * (c) recvonly over "kernel" from a source that starts only 6 s after Start: the browser's
 *     keepalives hold the session past the kernel's 4 s liveness timeout, and the picture plays.
 * Runs in the loopback-only namespace of scripts/run-ui-tests.sh.
 */
import { tmpdir } from 'os';
import * as path from 'path';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import config from '../playwright.config';
import {
  analyseOutput,
  clickStop,
  expectNoErrors,
  grey,
  newTypeScriptNotebook,
  outputThirds,
  runAndRead,
  runCode,
  streamerStatus,
} from './helpers';

const baseLaunch = config.use!.launchOptions!;
test.use({
  // the output plays sound; the microphone is Chromium's fake one (it beeps)
  permissions: ['camera', 'microphone'],
  launchOptions: { ...baseLaunch, args: [...(baseLaunch.args ?? []), '--autoplay-policy=no-user-gesture-required'] },
});

const CLIP = path.join(tmpdir(), `jupyterlab-webrtc-ui-kt-clip-${process.pid}.webm`);
const TONE_HZ = 1000;
const BEEP_HZ = 400;
/** The kernel's liveness timeout (kernel-bridge/src/rtc/media-peer.ts LIVENESS_TIMEOUT_MS), and the late source's delay beyond it. */
const LIVENESS_MS = 4000;
const LATE_MS = 6000;

/** "red|blue" when the output shows the clip's halves, else what it shows. */
async function halves(page: IJupyterLabPageFixture): Promise<string> {
  const thirds = await outputThirds(page);
  if (!thirds) return 'no picture';
  const colour = ([r, g, b]: number[]) =>
    r > 180 && g < 70 && b < 70 ? 'red' : b > 180 && r < 70 && g < 70 ? 'blue' : `rgb(${[r, g, b].map(Math.round)})`;
  return `${colour(thirds.left)}|${colour(thirds.right)}`;
}

/** The output element's tracks by kind. */
const outputTracks = (page: IJupyterLabPageFixture) =>
  page.evaluate(() => {
    const stream = (document.querySelector('video.jp-webrtc-output') as HTMLVideoElement | null)?.srcObject as
      MediaStream | null | undefined;
    return { audio: stream?.getAudioTracks().length ?? 0, video: stream?.getVideoTracks().length ?? 0 };
  });

const PLAYER_CELL = `import { webrtcStreamer, mediaFile, writeTestClip } from "jupyterlab-webrtc-bridge";
await writeTestClip(${JSON.stringify(CLIP)}, { width: 320, height: 240, fps: 30, frames: 60, toneHz: ${TONE_HZ} });
const clip = mediaFile(${JSON.stringify(CLIP)}, { loop: true });
const player = webrtcStreamer({ key: "ui-kt-recvonly-audio", mode: "recvonly", audio: true, transport: "kernel", source: clip });
player`;

test('recvonly over the kernel transport: the clip plays, picture and 1 kHz tone', async ({ page }) => {
  await newTypeScriptNotebook(page, 'kt-recvonly-audio.ipynb');
  await runCode(page, 0, PLAYER_CELL);
  await expectNoErrors(page, 0);
  await page.locator('.jp-webrtc-start').first().click();
  await expect(streamerStatus(page)).toHaveText('playing: kernel connection: the transport setting is "kernel"', {
    timeout: 30_000,
  });
  await expect.poll(() => halves(page), { timeout: 30_000 }).toBe('red|blue');
  await expect.poll(() => outputTracks(page), { timeout: 30_000 }).toEqual({ audio: 1, video: 1 });
  await analyseOutput(page);
  await expect
    .poll(
      async () => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const { hz, peak } = await page.evaluate(() => (window as any).__outputTone() as { hz: number; peak: number });
        // bins are 48000 / 4096 = 11.7 Hz wide; the clip's tone has amplitude 0.5
        return Math.abs(hz - TONE_HZ) < 25 && peak > 0.1
          ? 'tone'
          : `loudest ${hz.toFixed(0)} Hz, peak ${peak.toFixed(3)}`;
      },
      { timeout: 30_000 },
    )
    .toBe('tone');
  expect(await runAndRead(page, 1, 'player.get("kernel_status") + " " + player.get("transport")')).toBe(
    'playing kernel',
  );
  await clickStop(page);
});

// Chrome's own processing (noise suppression, gain control) is off so the beep arrives as sent.
const SENDER_CELL = `import { webrtcStreamer, toneLevel } from "jupyterlab-webrtc-bridge";
import { bufferCount } from "rxjs";
const cam = webrtcStreamer({ key: "ui-kt-sendonly-audio", mode: "sendonly", audio: true, transport: "kernel",
  mediaConstraints: { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } } });
let frames = 0;
let beep = 0;
cam.frames$.subscribe(() => frames++);
cam.audio$.pipe(bufferCount(50)).subscribe((audio) => { beep = Math.max(...audio.map((a) => toneLevel(a, ${BEEP_HZ}))); });
cam`;

test('sendonly over the kernel transport: frames$ counts the camera, audio$ hears the microphone beep', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'kt-sendonly-audio.ipynb');
  await runCode(page, 0, SENDER_CELL);
  await expectNoErrors(page, 0);
  await page.locator('.jp-webrtc-start').first().click();
  await expect(streamerStatus(page)).toHaveText('playing: kernel connection: the transport setting is "kernel"', {
    timeout: 30_000,
  });
  await expect.poll(async () => Number(await runAndRead(page, 1, 'frames')), { timeout: 30_000 }).toBeGreaterThan(20);
  // a 20 ms beep every 500 ms: the loudest 400 Hz level of a second of audio (a full-scale tone is 1)
  await expect.poll(async () => Number(await runAndRead(page, 1, 'beep')), { timeout: 30_000 }).toBeGreaterThan(0.05);
  await expect(page.locator('video.jp-webrtc-output')).toHaveCount(0);
  await clickStop(page);
});

const LATE_CELL = `import { webrtcStreamer, createI420Frame } from "jupyterlab-webrtc-bridge";
import { interval, map, switchMap, timer } from "rxjs";
/** Nothing for ${LATE_MS} ms after Start (the source is subscribed then), then bright grey frames. */
const late = timer(${LATE_MS}).pipe(
  switchMap(() => interval(33)),
  map(() => {
    const f = createI420Frame(320, 240, performance.now());
    f.y.fill(220);
    f.u.fill(128);
    f.v.fill(128);
    return f;
  }),
);
const player = webrtcStreamer({ key: "ui-kt-late", mode: "recvonly", transport: "kernel", source: late });
player`;

test('recvonly over the kernel transport from a source that starts after 6 s: keepalives hold the session', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'kt-late.ipynb');
  await runCode(page, 0, LATE_CELL);
  await expectNoErrors(page, 0);
  await page.locator('.jp-webrtc-start').first().click();
  await expect(streamerStatus(page)).toHaveText('playing: kernel connection: the transport setting is "kernel"', {
    timeout: 30_000,
  });
  const playingAt = Date.now();
  const bright = async () => {
    const thirds = await outputThirds(page);
    return thirds ? grey(thirds.left) > 180 && grey(thirds.right) > 180 : false;
  };
  await expect.poll(bright, { timeout: LATE_MS + 30_000 }).toBe(true);
  // the picture came after the liveness timeout: only the keepalives kept the session
  expect(Date.now() - playingAt).toBeGreaterThan(LIVENESS_MS);
  await expect(streamerStatus(page)).toHaveText('playing: kernel connection: the transport setting is "kernel"');
  expect(await runAndRead(page, 1, 'player.get("kernel_status")')).toBe('playing');
  await clickStop(page);
});
