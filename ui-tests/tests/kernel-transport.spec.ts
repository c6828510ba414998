/**
 * Issue 12: the kernel transport (encoded VP8 frames over the widget's comm, docs/design.md "Kernel
 * transport"). (1) transport "kernel" asked for explicitly: the inverted camera picture comes back
 * and the widget names the transport. (2) transport "auto" with all UDP dropped by an nftables rule
 * in the test's loopback-only namespace (scripts/run-ui-tests.sh): WebRTC cannot connect, and within
 * FALLBACK_S + 15 s the stream plays over the kernel transport, the widget saying so and why.
 */
import { execFileSync } from 'child_process';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import {
  clickStop,
  expectNoErrors,
  fakeCameraFrom,
  newTypeScriptNotebook,
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
/** src/streamer/signalling.ts FALLBACK_MS, in seconds. */
const FALLBACK_S = 5;
/** The nftables table this file adds and removes (its own name: other files may add theirs). */
const TABLE = 'xport_no_udp';

test.use({ launchOptions: fakeCameraFrom(writeHalvesPicture('kernel-transport', W, H, DARK, BRIGHT)) });

const streamCell = (
  key: string,
  transport: string | null,
  showStats = false,
) => `import { webrtcStreamer, createI420Frame, display } from "jupyterlab-webrtc-bridge";
import { map } from "rxjs";
const ctx = webrtcStreamer({ key: "${key}"${transport ? `, transport: "${transport}"` : ''}${showStats ? ', showStats: true' : ''} });
ctx.transform((frames$) => frames$.pipe(map((frame) => {
  const out = createI420Frame(frame.width, frame.height, frame.timestamp, new Uint8Array(frame.data));
  for (let i = 0; i < out.y.length; i++) out.y[i] = 255 - frame.y[i];
  return out;
})));
ctx`;

/** "inverted", "original", or what the output shows instead. */
const picture = (page: IJupyterLabPageFixture) => halvesShown(page, DARK, BRIGHT);

/** The stats overlay's summary items: `data-stat` → [`data-value` (null when unknown), text]. */
function overlayStats(page: IJupyterLabPageFixture): Promise<Record<string, [string | null, string]>> {
  return page.evaluate(() => {
    const items: Record<string, [string | null, string]> = {};
    document.querySelectorAll<HTMLElement>('.jp-webrtc-stats [data-stat]').forEach((item) => {
      items[item.dataset.stat!] = [item.dataset.value ?? null, item.textContent ?? ''];
    });
    return items;
  });
}

/** What the overlay's link figures say, or what is missing (so a failed poll shows it). */
async function linkFigures(page: IJupyterLabPageFixture): Promise<string> {
  const stats = await overlayStats(page);
  const missing = ['camera.kbps', 'camera.rtt_ms', 'kernel.kbps_in', 'kernel.kbps_out', 'kernel.rtt_ms', 'output.kbps']
    .filter((stat) => !(Number(stats[stat]?.[0]) > 0))
    .join(', ');
  return missing ? `not yet: ${missing} in ${JSON.stringify(stats)}` : 'measured';
}

function nft(...args: string[]): string {
  return execFileSync('nft', args, { encoding: 'utf8' });
}

/** UDP packets the rule dropped so far. */
function droppedUdpPackets(): number {
  const match = /udp counter packets (\d+)/.exec(nft('list', 'table', 'inet', TABLE));
  return match ? Number(match[1]) : -1;
}

test('transport "kernel": the inverted picture comes back over the comm, and the widget says so', async ({ page }) => {
  await newTypeScriptNotebook(page, 'kernel-transport.ipynb');
  await runCode(page, 0, streamCell('ui-kernel-transport', 'kernel', true));
  await expectNoErrors(page, 0);
  await page.locator('.jp-webrtc-start').first().click();
  await expect(streamerStatus(page)).toHaveText('playing: kernel connection: the transport setting is "kernel"', {
    timeout: 30_000,
  });
  await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('inverted');
  // the kernel's side of the session: playing, frames through the transform and back
  await expect
    .poll(() => runAndRead(page, 1, 'ctx.get("kernel_status") + " " + ctx.get("transport")'), { timeout: 30_000 })
    .toBe('playing kernel');
  // the stats overlay: the link's own figures (bitrates of the media buffers, ack round trips), the transport named
  await expect.poll(() => linkFigures(page), { timeout: 30_000 }).toBe('measured');
  const stats = await overlayStats(page);
  test.info().annotations.push({ type: 'link figures', description: JSON.stringify(stats) });
  expect(stats['kernel.transport']).toEqual(['kernel', 'kernel connection']);
  expect(stats['kernel.rtt_ms'][1]).toMatch(/^ · ack RTT \d+\.\d ms$/);
  expect(stats['camera.rtt_ms'][1]).toMatch(/^ · ack RTT \d+\.\d ms$/);
  expect(stats['kernel.kbps_out'][1]).toMatch(/^ · out \d+ kbit\/s$/);
  // nothing that only WebRTC has
  for (const rtpOnly of [
    'kernel.loss_out',
    'kernel.lost_in',
    'camera.lost',
    'camera.quality_limitation',
    'output.lost',
  ]) {
    expect(stats[rtpOnly]).toBeUndefined();
  }
  await expect(page.locator('.jp-webrtc-stats').first()).not.toContainText(/null|NaN|undefined/);
  await clickStop(page);
});

test('transport "auto" with all UDP dropped: falls back to the kernel transport and says why', async ({ page }) => {
  await newTypeScriptNotebook(page, 'kernel-transport-auto.ipynb');
  await runCode(page, 0, streamCell('ui-kernel-transport-auto', null));
  await expectNoErrors(page, 0);
  nft('add', 'table', 'inet', TABLE);
  try {
    nft('add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0; }');
    nft('add', 'rule', 'inet', TABLE, 'out', 'meta', 'l4proto', 'udp', 'counter', 'drop');
    const started = Date.now();
    await page.locator('.jp-webrtc-start').first().click();
    await expect(streamerStatus(page)).toHaveText(
      new RegExp(
        `^playing: kernel connection: WebRTC did not connect within ${FALLBACK_S} s: no connectivity check succeeded \\(\\d+ candidate pairs tried; the browser gathered`,
      ),
      { timeout: (FALLBACK_S + 15) * 1000 },
    );
    const playingAfterMs = Date.now() - started;
    await expect.poll(() => picture(page), { timeout: 30_000 }).toBe('inverted');
    const status = await streamerStatus(page).textContent();
    test.info().annotations.push({ type: 'fallback', description: `after ${playingAfterMs} ms: ${status}` });
    // WebRTC did try: its UDP was dropped by the rule
    expect(droppedUdpPackets()).toBeGreaterThan(0);
    await clickStop(page);
  } finally {
    nft('delete', 'table', 'inet', TABLE);
  }
});
