/**
 * Shared steps for the UI tests: notebooks on our kernel, cells set through the notebook model,
 * starting and stopping a streamer, Chromium's fake camera and reading the output video's pixels.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect } from '@jupyterlab/galata';
import type { LaunchOptions } from '@playwright/test';
import { writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import config from '../playwright.config';

const KERNEL_NAME = 'typescript-webrtc';
const KERNEL_DISPLAY_NAME = 'TypeScript (WebRTC)';

/** Kernel's first cell pays for the TypeScript warm-up (3-6 s, more on a busy 2-core machine). */
export const CELL_TIMEOUT = 60_000;

/** Opens a new notebook on the TypeScript (WebRTC) kernel and waits until the kernel is idle. */
export async function newTypeScriptNotebook(page: IJupyterLabPageFixture, name: string): Promise<void> {
  const created = await page.notebook.createNew(name, { kernel: KERNEL_NAME });
  expect(created).toBe(name);
  await expect(page.locator('.jp-NotebookPanel-toolbar .jp-KernelName')).toHaveText(KERNEL_DISPLAY_NAME);
  await waitForKernelIdle(page);
  await pointSessionAtNotebook(page);
}

/**
 * Galata creates "Untitled.ipynb" and renames it while JupyterLab is still creating the kernel
 * session under the old name; when the rename lands first, JupyterLab never moves the session
 * (CI saw it stay "Untitled.ipynb" for 30 s), and a reload then opens the notebook on a new kernel.
 * Once the kernel is up, the session is moved to the notebook's path if it is not there already.
 */
async function pointSessionAtNotebook(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const session = panel.sessionContext.session;
    if (session && session.path !== panel.context.path) await session.setPath(panel.context.path);
  });
}

/** The status bar's kernel item reads "<kernel> | Idle" once the kernel answered and is idle. */
export async function waitForKernelIdle(page: IJupyterLabPageFixture, timeout = CELL_TIMEOUT): Promise<void> {
  await expect(page.locator('#jp-main-statusbar').getByText('Idle')).toBeVisible({ timeout });
}

/**
 * Sets the source of code cell `index` of the active notebook, appending cells as needed. Goes
 * through the shared model instead of typing, so CodeMirror's auto-close and auto-indent cannot
 * change the code (and it is much faster than typing).
 */
export async function setCode(page: IJupyterLabPageFixture, index: number, source: string): Promise<void> {
  await page.evaluate(
    ({ index, source }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const panel = (window as any).jupyterapp.shell.currentWidget;
      const notebook = panel.content.model.sharedModel;
      while (notebook.cells.length <= index) {
        notebook.insertCell(notebook.cells.length, { cell_type: 'code', source: '' });
      }
      notebook.getCell(index).setSource(source);
    },
    { index, source },
  );
}

/** Sets and runs cell `index`, waiting until it has an execution count and the kernel is idle. */
export async function runCode(page: IJupyterLabPageFixture, index: number, source: string): Promise<void> {
  await setCode(page, index, source);
  expect(await page.notebook.runCell(index)).toBe(true);
}

/** Runs cell `index` and returns its output text: for polling the kernel's state from a cell. */
export async function runAndRead(page: IJupyterLabPageFixture, index: number, source: string): Promise<string> {
  await runCode(page, index, source);
  return outputText(page, index);
}

/** The text of every output of cell `index` joined by newlines ('' when it has none). */
export async function outputText(page: IJupyterLabPageFixture, index: number): Promise<string> {
  return ((await page.notebook.getCellTextOutput(index)) ?? []).join('\n');
}

/** Fails with the error text if cell `index` has an error output (a failed cell still "runs"). */
export async function expectNoErrors(page: IJupyterLabPageFixture, index: number): Promise<void> {
  const output = (await page.notebook.getCellOutputLocator(index))!;
  const errors = output.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
  expect(await errors.allTextContents()).toEqual([]);
}

/**
 * Reloads JupyterLab and waits until it has started and restored its layout. Uses galata's own
 * `reload` (it re-installs the in-page helpers that `page.notebook` needs), without its readiness
 * check, which waits for a Launcher tab the restored layout does not have. (The fixture's type
 * only exposes Playwright's `reload`.)
 */
export async function reloadPage(page: IJupyterLabPageFixture): Promise<void> {
  // Galata creates "Untitled.ipynb" and renames it; JupyterLab moves the kernel session to the new
  // path with a request of its own. A reload before the server has the session under the current
  // path opens the notebook with a new kernel ("model not found" for every widget): wait for it.
  const path = await page.evaluate(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    () => (window as any).jupyterapp.shell.currentWidget.context.path as string,
  );
  await expect
    .poll(
      async () => {
        const sessions = (await (await page.request.get('/api/sessions')).json()) as { path: string }[];
        return sessions.map((session) => session.path);
      },
      { timeout: 30_000 },
    )
    .toContain(path);
  const galataPage = page as unknown as { reload(options: { waitForIsReady: boolean }): Promise<unknown> };
  await galataPage.reload({ waitForIsReady: false });
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
}

/** The first streamer widget's status line ("idle", "playing", "error: ...", ...). */
export function streamerStatus(page: IJupyterLabPageFixture) {
  return page.locator('.jp-webrtc-status').first();
}

/** Clicks the first streamer's Start and waits until it plays. */
export async function clickStart(page: IJupyterLabPageFixture): Promise<void> {
  await page.locator('.jp-webrtc-start').first().click();
  await expect(streamerStatus(page)).toHaveText(/^playing/i, { timeout: 30_000 });
}

/** Clicks the first streamer's Stop and waits until it has stopped. */
export async function clickStop(page: IJupyterLabPageFixture): Promise<void> {
  await page.locator('.jp-webrtc-stop').first().click();
  await expect(streamerStatus(page)).toHaveText(/^stopped/i, { timeout: 30_000 });
}

/**
 * Writes a one-frame y4m for Chromium's fake camera (it loops it): luma `dark` on the left half,
 * `bright` on the right, grey chroma. `name` keeps the files of different spec files apart.
 */
export function writeHalvesPicture(name: string, width: number, height: number, dark: number, bright: number): string {
  const file = path.join(tmpdir(), `jupyterlab-webrtc-${name}-${width}x${height}.y4m`);
  const y = Buffer.alloc(width * height);
  for (let row = 0; row < height; row++) {
    y.fill(dark, row * width, row * width + width / 2).fill(bright, row * width + width / 2, (row + 1) * width);
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const header = `YUV4MPEG2 W${width} H${height} F20:1 Ip A1:1 C420jpeg\nFRAME\n`;
  writeFileSync(file, Buffer.concat([Buffer.from(header), y, chroma, chroma]));
  return file;
}

/** The configured launch options with Chromium's fake camera playing `y4mFile` (for `test.use`). */
export function fakeCameraFrom(y4mFile: string): LaunchOptions {
  const base = config.use!.launchOptions!;
  return { ...base, args: [...(base.args ?? []), `--use-file-for-fake-video-capture=${y4mFile}`] };
}

/** Mean colours of the output video: of the left and right thirds, rows from 1/4 to 3/4 down. */
export interface IOutputThirds {
  /** [r, g, b], 0-255. */
  left: number[];
  right: number[];
  width: number;
}

/** The first output video's IOutputThirds; null while it shows no picture. */
export async function outputThirds(page: IJupyterLabPageFixture): Promise<IOutputThirds | null> {
  return page.evaluate(() => {
    const video = document.querySelector('video.jp-webrtc-output') as HTMLVideoElement | null;
    if (!video || video.videoWidth === 0) return null;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const g = canvas.getContext('2d')!;
    g.drawImage(video, 0, 0);
    const mean = (x0: number, x1: number) => {
      const d = g.getImageData(x0, Math.floor(canvas.height / 4), x1 - x0, Math.floor(canvas.height / 2)).data;
      const sum = [0, 0, 0];
      for (let i = 0; i < d.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += d[i + c];
      return sum.map((s) => s / (d.length / 4));
    };
    const w = canvas.width;
    return { left: mean(0, Math.floor(w / 3)), right: mean(Math.ceil((2 * w) / 3), w), width: w };
  });
}

/** The mean of an [r, g, b] colour's channels. */
export const grey = (rgb: number[]): number => rgb.reduce((a, b) => a + b) / 3;

/**
 * What the first output video shows of writeHalvesPicture's camera (`dark` left, `bright` right):
 * "inverted", "original", or what it shows instead (for expect.poll's message).
 */
export async function halvesShown(page: IJupyterLabPageFixture, dark: number, bright: number): Promise<string> {
  const thirds = await outputThirds(page);
  const [left, right, width] = thirds ? [grey(thirds.left), grey(thirds.right), thirds.width] : [-1, -1, 0];
  if (left > bright - 45 && right < dark + 45) return 'inverted';
  if (left < dark + 45 && right > bright - 45) return 'original';
  return `neither: left ${left.toFixed(0)}, right ${right.toFixed(0)}, width ${width}`;
}

/**
 * A part of a video's picture as fractions of its width and height, [x0, y0, x1, y1] (0 to 1): the
 * same place whatever resolution the video has and however its element letterboxes it.
 */
export type PictureRegion = readonly [number, number, number, number];

/** What the annotation overlay over a video shows, or the video itself (readOverlay). */
export interface IOverlayReading {
  /** Per region asked for: the share of its overlay pixels that are (opaque and) the colour asked for. */
  shares: number[];
  /** The overlay's state: 'drawn', 'pending' or '' (nothing drawn). */
  state: string;
  /** The drawn annotations' RTP timestamp, and that of the frame shown when they were drawn ('' if none). */
  rtp: string;
  frameRtp: string;
}

/**
 * Reads the annotation overlay canvas over `videoSelector` (src/streamer/overlay.ts puts it right
 * after the video), or with `layer` 'video' the video's own picture (what the kernel drew into its
 * frames): for each region of the picture, the share of opaque pixels within 75 of `rgb` in each
 * channel. Maps the regions as the overlay does (object-fit: contain). Null until both the video
 * shows a picture and the canvas has a size.
 */
export async function readOverlay(
  page: IJupyterLabPageFixture,
  videoSelector: string,
  rgb: readonly [number, number, number],
  regions: readonly PictureRegion[],
  layer: 'overlay' | 'video' = 'overlay',
): Promise<IOverlayReading | null> {
  return page.evaluate(
    ({ selector, rgb, regions, layer }) => {
      const video = document.querySelector(selector) as HTMLVideoElement | null;
      const overlay = video?.nextElementSibling as HTMLCanvasElement | null;
      if (!video || !overlay || overlay.tagName !== 'CANVAS' || overlay.width === 0 || video.videoWidth === 0) {
        return null;
      }
      let canvas = overlay;
      if (layer === 'video') {
        canvas = document.createElement('canvas');
        [canvas.width, canvas.height] = [video.videoWidth, video.videoHeight];
        canvas.getContext('2d')!.drawImage(video, 0, 0);
      }
      const [W, H] = [canvas.width, canvas.height];
      const scale = Math.min(W / video.videoWidth, H / video.videoHeight);
      const [pw, ph] = [video.videoWidth * scale, video.videoHeight * scale];
      const [left, top] = [(W - pw) / 2, (H - ph) / 2];
      const g = canvas.getContext('2d')!;
      const share = ([x0, y0, x1, y1]: readonly number[]) => {
        const [cx, cy] = [Math.round(left + x0 * pw), Math.round(top + y0 * ph)];
        const [w, h] = [Math.max(1, Math.round(left + x1 * pw) - cx), Math.max(1, Math.round(top + y1 * ph) - cy)];
        const d = g.getImageData(cx, cy, w, h).data;
        let hits = 0;
        for (let i = 0; i < d.length; i += 4) {
          const near =
            Math.abs(d[i] - rgb[0]) < 75 && Math.abs(d[i + 1] - rgb[1]) < 75 && Math.abs(d[i + 2] - rgb[2]) < 75;
          if (near && d[i + 3] > 180) hits++;
        }
        return hits / (w * h);
      };
      return {
        shares: regions.map(share),
        state: overlay.dataset.state ?? '',
        rtp: overlay.dataset.rtp ?? '',
        frameRtp: overlay.dataset.frameRtp ?? '',
      };
    },
    { selector: videoSelector, rgb, regions, layer },
  );
}

/** Starts an analyser on the output element's stream; window.__outputTone() = its loudest frequency and peak. */
export async function analyseOutput(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(async () => {
    const video = document.querySelector('video.jp-webrtc-output') as HTMLVideoElement;
    const context = new AudioContext();
    await context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 4096;
    context.createMediaStreamSource(video.srcObject as MediaStream).connect(analyser);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (window as any).__outputTone = () => {
      const spectrum = new Float32Array(analyser.frequencyBinCount);
      analyser.getFloatFrequencyData(spectrum);
      let loudest = 0;
      for (let i = 1; i < spectrum.length; i++) if (spectrum[i] > spectrum[loudest]) loudest = i;
      const samples = new Float32Array(analyser.fftSize);
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const v of samples) peak = Math.max(peak, Math.abs(v));
      return { hz: (loudest * context.sampleRate) / analyser.fftSize, peak };
    };
  });
}

/** One ICE candidate of a selected pair, from getStats ('' where the browser does not say). */
export interface ICandidateSeen {
  type: string;
  /** '' when Chromium redacts it (a remote peer-reflexive candidate). */
  address: string;
  port: number;
  relayProtocol: string;
}

/**
 * The page's last peer connection (the page's `__peerConnections`, recorded by the tests' init
 * script): its configured ICE transport policy and its selected candidate pair, from getStats; null
 * before a pair is selected.
 */
export async function selectedCandidatePair(
  page: IJupyterLabPageFixture,
): Promise<{ policy: string; state: string; local: ICandidateSeen; remote: ICandidateSeen } | null> {
  return page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const pcs = (window as any).__peerConnections as RTCPeerConnection[];
    const pc = pcs[pcs.length - 1];
    if (!pc) return null;
    const stats = await pc.getStats();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const all = [...stats.values()] as any[];
    const transport = all.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = transport && stats.get(transport.selectedCandidatePairId);
    if (!pair) return null;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const seen = (c: any) => ({
      type: c?.candidateType ?? '',
      address: c?.address ?? '',
      port: c?.port ?? 0,
      relayProtocol: c?.relayProtocol ?? '',
    });
    return {
      policy: pc.getConfiguration().iceTransportPolicy ?? '',
      state: pair.state,
      local: seen(stats.get(pair.localCandidateId)),
      remote: seen(stats.get(pair.remoteCandidateId)),
    };
  });
}
