/**
 * Issue 12: WebRTC keeps playing on a lossy link. While a sendrecv stream with a transform plays,
 * an nftables rule in the test's loopback-only namespace (scripts/run-ui-tests.sh) drops 5% of all
 * UDP packets at random. Loopback traffic passes the output hook once per packet sent, so the one
 * rule drops 5% of each direction: the camera's packets to the kernel and the kernel's back.
 * NACK retransmits (werift answers the browser's, Chrome answers werift's) and keyframes on PLI are
 * what keep the picture going; the output video must never freeze for more than 1 s in 30 s.
 * Frame presentation is recorded in the page with requestVideoFrameCallback (one entry per frame
 * the output video shows), so the test waits for the page's record, not for fixed times.
 */
import { execFileSync } from 'node:child_process';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import { clickStart, expectNoErrors, newTypeScriptNotebook, runCode, streamerStatus } from './helpers';

const WINDOW_MS = 30_000;
const MAX_FREEZE_MS = 1000;
const LOSS_PERCENT = 5;
const TABLE = 'webrtc_loss_test';

/** Chromium's default fake camera (640x480, moving); the kernel inverts the luma. */
const STREAM_CELL = `import { webrtcStreamer, createI420Frame } from "jupyterlab-webrtc-bridge";
import { map } from "rxjs";
const ctx = webrtcStreamer({ key: "ui-loss", showStats: true });
ctx.transform((frames$) => frames$.pipe(map((frame) => {
  const out = createI420Frame(frame.width, frame.height, frame.timestamp, new Uint8Array(frame.data));
  for (let i = 0; i < out.y.length; i++) out.y[i] = 255 - frame.y[i];
  return out;
})));
ctx`;

const nft = (...args: string[]): string =>
  execFileSync('nft', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Drops LOSS_PERCENT% of UDP packets at random; a first rule counts all of them. */
function addLoss(): void {
  nft('add', 'table', 'inet', TABLE);
  nft('add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0; }');
  nft('add', 'rule', 'inet', TABLE, 'out', 'meta', 'l4proto', 'udp', 'counter');
  nft(
    ...['add', 'rule', 'inet', TABLE, 'out', 'meta', 'l4proto', 'udp'],
    ...['numgen', 'random', 'mod', '100', '<', String(LOSS_PERCENT), 'counter', 'drop'],
  );
}

function removeLoss(): void {
  try {
    nft('delete', 'table', 'inet', TABLE);
  } catch {
    // not there (the test failed before adding it)
  }
}

/** [all UDP packets, dropped ones] from the two rules' counters. */
function lossCounters(): [number, number] {
  const packets = [...nft('list', 'table', 'inet', TABLE).matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
  expect(packets).toHaveLength(2);
  return [packets[0], packets[1]];
}

interface IFrameRecord {
  frames: number;
  maxGapMs: number;
  elapsedMs: number;
}

/** Starts recording the output video's presented frames (the page keeps the count and the longest gap). */
async function startFrameRecord(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() => {
    const video = document.querySelector('video.jp-webrtc-output') as HTMLVideoElement;
    const rec = { start: performance.now(), last: performance.now(), frames: 0, maxGapMs: 0 };
    (window as unknown as { lossRecord: typeof rec }).lossRecord = rec;
    const onFrame = (now: number) => {
      rec.frames++;
      rec.maxGapMs = Math.max(rec.maxGapMs, now - rec.last);
      rec.last = now;
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
}

/** The record so far; the time since the last frame counts as a gap too. */
async function frameRecord(page: IJupyterLabPageFixture): Promise<IFrameRecord> {
  return page.evaluate(() => {
    const rec = (window as unknown as { lossRecord: { start: number; last: number; frames: number; maxGapMs: number } })
      .lossRecord;
    const now = performance.now();
    return { frames: rec.frames, maxGapMs: Math.max(rec.maxGapMs, now - rec.last), elapsedMs: now - rec.start };
  });
}

/** The stats overlay's figures (fps per stage, bitrates, loss), for the report. */
function overlayFigures(page: IJupyterLabPageFixture): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const figures: Record<string, string> = {};
    document.querySelectorAll<HTMLElement>('.jp-webrtc-stats [data-stage]').forEach((row) => {
      figures[row.dataset.stage!] = `${row.dataset.fps} fps`;
    });
    document.querySelectorAll<HTMLElement>('.jp-webrtc-stats [data-stat]').forEach((item) => {
      figures[item.dataset.stat!] = item.dataset.value ?? '';
    });
    return figures;
  });
}

test.afterEach(() => removeLoss());

test('with 5% UDP loss each way, the output video never freezes over 1 s in 30 s', async ({ page }) => {
  test.setTimeout(180_000);
  await newTypeScriptNotebook(page, 'loss.ipynb');
  await runCode(page, 0, STREAM_CELL);
  await expectNoErrors(page, 0);
  await clickStart(page);
  await expect
    .poll(() =>
      page.evaluate(
        () => (document.querySelector('video.jp-webrtc-output') as HTMLVideoElement | null)?.videoWidth ?? 0,
      ),
    )
    .toBe(640);

  addLoss();
  await startFrameRecord(page);
  // the observation window: ends when the page's clock says so, or fails early on a freeze
  await page.waitForFunction(
    ({ windowMs, maxFreezeMs }) => {
      const rec = (window as unknown as { lossRecord: { start: number; last: number; maxGapMs: number } }).lossRecord;
      const now = performance.now();
      return now - rec.start >= windowMs || Math.max(rec.maxGapMs, now - rec.last) > maxFreezeMs;
    },
    { windowMs: WINDOW_MS, maxFreezeMs: MAX_FREEZE_MS },
    { timeout: WINDOW_MS + 30_000, polling: 100 },
  );
  const record = await frameRecord(page);
  const [udp, dropped] = lossCounters();
  const figures = await overlayFigures(page);
  removeLoss();
  await test.info().attach('stats.json', { body: JSON.stringify(figures, null, 1), contentType: 'application/json' });
  test.info().annotations.push({
    type: 'loss',
    description: `${record.frames} frames in ${Math.round(record.elapsedMs)} ms, longest gap ${Math.round(record.maxGapMs)} ms; nft dropped ${dropped} of ${udp} UDP packets`,
  });

  expect(record.maxGapMs).toBeLessThanOrEqual(MAX_FREEZE_MS);
  expect(record.elapsedMs).toBeGreaterThanOrEqual(WINDOW_MS);
  // the loss was there: about 5% of a few thousand packets
  expect(udp).toBeGreaterThan(1000);
  expect(dropped / udp).toBeGreaterThan(0.03);
  expect(dropped / udp).toBeLessThan(0.07);
  // and the picture moved on throughout, not a frame a second (measured on a loaded 2-core machine:
  // 12-17 fps shown with and without the loss, the fake camera capturing 20)
  expect(record.frames / (record.elapsedMs / 1000)).toBeGreaterThan(5);
  await expect(streamerStatus(page)).toHaveText(/^playing/i);
});
