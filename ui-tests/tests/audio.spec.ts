/**
 * Issue 10, audio: Chromium's fake microphone beeps (a 400 Hz square wave for 20 ms every 500 ms,
 * media/audio/fake_audio_input_stream.cc) into a stream with `audio: true`. The kernel measures
 * the beep in audio$ (Goertzel at 400 Hz against 1 kHz, shown in a Label); transformAudio scales
 * the audio by a slider, and a WebAudio analyser in the page measures the output stream: silent at
 * gain 0, beeping at gain 1. The mute toggle only mutes the output element. Runs in the
 * loopback-only namespace of scripts/run-ui-tests.sh.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import config from '../playwright.config';
import { expectNoErrors, newTypeScriptNotebook, runCode } from './helpers';

const baseLaunch = config.use!.launchOptions!;
test.use({
  // the output plays sound (with the microphone's permission, not only the camera's)
  permissions: ['camera', 'microphone'],
  launchOptions: { ...baseLaunch, args: [...(baseLaunch.args ?? []), '--autoplay-policy=no-user-gesture-required'] },
});

const BEEP_HZ = 400;

// Chrome's own processing (noise suppression, gain control) is switched off so the beep arrives as sent.
const AUDIO_CELL = `import { webrtcStreamer, display, FloatSlider, Label, scaleAudio, toneLevel } from "jupyterlab-webrtc-bridge";
import { bufferCount, map, withLatestFrom } from "rxjs";
const gain = new FloatSlider({ description: "gain", min: 0, max: 1, step: 1, value: 1 });
const level = new Label({ value: "waiting for audio" });
const ctx = webrtcStreamer({ key: "ui-audio", audio: true,
  mediaConstraints: { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } } });
ctx.audio$.pipe(bufferCount(50)).subscribe((frames) => {
  const peak = (hz: number) => Math.max(...frames.map((f) => toneLevel(f, hz)));
  level.value = "beep " + peak(${BEEP_HZ}).toFixed(4) + " other " + peak(1000).toFixed(4) + " rate " + frames[0].sampleRate;
});
ctx.transformAudio((audio$) => audio$.pipe(withLatestFrom(gain.value$), map(([a, g]) => scaleAudio(a, g))));
display(gain);
display(level);
ctx`;

/** The kernel's measurement from the Label: the 400 Hz and 1 kHz peaks over the last second. */
async function kernelLevels(page: IJupyterLabPageFixture): Promise<{ beep: number; other: number; rate: number }> {
  const text =
    (await page
      .locator('.widget-label')
      .filter({ hasText: /beep|waiting/ })
      .first()
      .textContent()) ?? '';
  const m = /beep ([\d.]+) other ([\d.]+) rate (\d+)/.exec(text);
  return m ? { beep: Number(m[1]), other: Number(m[2]), rate: Number(m[3]) } : { beep: -1, other: -1, rate: 0 };
}

/** Starts an analyser on the output element's stream; window.__outputPeak() = loudest sample of the last 1.5 s. */
async function analyseOutput(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(async () => {
    const video = document.querySelector('video.jp-webrtc-output') as HTMLVideoElement;
    const stream = video.srcObject as MediaStream;
    const context = new AudioContext();
    await context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaStreamSource(stream).connect(analyser);
    const buffer = new Float32Array(analyser.fftSize);
    const peaks: { at: number; peak: number }[] = [];
    setInterval(() => {
      analyser.getFloatTimeDomainData(buffer);
      let peak = 0;
      for (const v of buffer) peak = Math.max(peak, Math.abs(v));
      peaks.push({ at: performance.now(), peak });
      while (peaks.length > 200) peaks.shift();
    }, 20);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (window as any).__outputPeak = () => {
      const since = performance.now() - 1500;
      const recent = peaks.filter((p) => p.at >= since);
      return recent.length >= 50 ? Math.max(...recent.map((p) => p.peak)) : -1;
    };
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const outputPeak = (page: IJupyterLabPageFixture) => page.evaluate(() => (window as any).__outputPeak() as number);

test('fake microphone → kernel (400 Hz seen) → gain → output: silent at 0, beeping at 1', async ({ page }) => {
  await newTypeScriptNotebook(page, 'audio.ipynb');
  await runCode(page, 0, AUDIO_CELL);
  await expectNoErrors(page, 0);

  await expect(page.locator('.jp-webrtc-microphone')).toBeVisible();
  await expect(page.locator('.jp-webrtc-mute')).toHaveAttribute('aria-pressed', 'false');
  await page.locator('.jp-webrtc-start').first().click();
  await expect(page.locator('.jp-webrtc-status').first()).toHaveText(/^playing/i, { timeout: 30_000 });

  await test.step('the kernel sees 48 kHz audio frames with energy at the beep frequency', async () => {
    await expect
      .poll(
        async () => {
          const { beep, other, rate } = await kernelLevels(page);
          return rate === 48000 && beep > 0.05 && beep > 3 * other
            ? 'beep'
            : `beep ${beep} other ${other} rate ${rate}`;
        },
        { timeout: 30_000 },
      )
      .toBe('beep');
  });

  await test.step('the output carries the audio track and is not muted', async () => {
    const tracks = await page.evaluate(() => {
      const video = document.querySelector('video.jp-webrtc-output') as HTMLVideoElement;
      const stream = video.srcObject as MediaStream | null;
      return {
        audio: stream?.getAudioTracks().length ?? 0,
        video: stream?.getVideoTracks().length ?? 0,
        muted: video.muted,
      };
    });
    expect(tracks).toEqual({ audio: 1, video: 1, muted: false });
  });

  await analyseOutput(page);
  await test.step('gain 1: the output beeps', async () => {
    await expect.poll(() => outputPeak(page), { timeout: 30_000 }).toBeGreaterThan(0.02);
  });

  await test.step('gain 0: the output is silent', async () => {
    const handle = page.locator('.widget-slider .noUi-handle').first();
    await handle.focus();
    await handle.press('Home');
    await expect.poll(() => outputPeak(page), { timeout: 30_000 }).toBeLessThan(0.002);
    // the kernel still hears the microphone (the transform scales only the output)
    expect((await kernelLevels(page)).beep).toBeGreaterThan(0.05);
  });

  await test.step('gain 1 again: beeping again', async () => {
    const handle = page.locator('.widget-slider .noUi-handle').first();
    await handle.focus();
    await handle.press('End');
    await expect.poll(() => outputPeak(page), { timeout: 30_000 }).toBeGreaterThan(0.02);
  });

  await test.step('the mute toggle mutes the output element only', async () => {
    await page.locator('.jp-webrtc-mute').click();
    await expect(page.locator('.jp-webrtc-mute')).toHaveAttribute('aria-pressed', 'true');
    expect(
      await page.evaluate(() => (document.querySelector('video.jp-webrtc-output') as HTMLVideoElement).muted),
    ).toBe(true);
  });

  await page.locator('.jp-webrtc-stop').first().click();
  await expect(page.locator('.jp-webrtc-status').first()).toHaveText(/^stopped/i);
});
