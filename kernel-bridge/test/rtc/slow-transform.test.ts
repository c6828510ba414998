/**
 * @jest-environment ./test/media/native-env.js
 *
 * A transform slower than the camera must not starve the kernel's event loop (timers, comm
 * messages such as Stop, the kernel's sockets): MediaPeer hands frames out one event-loop turn at
 * a time. Before, frames ran back to back inside one burst of worker-port messages. Opens UDP
 * sockets: run inside a loopback-only namespace (scripts/test.sh does).
 */
import { filter, firstValueFrom, timeout } from 'rxjs';
import { createI420Frame } from '../../src/media';
import { MediaPeer } from '../../src/rtc';
import { FakeBrowser } from './fake-browser';

const W = 160;
const H = 120;
const TRANSFORM_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('runs a slow transform one frame per event-loop turn, newest frame first', async () => {
  const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'] });
  const browser = new FakeBrowser();
  browser.pc.onIceCandidate.subscribe((c) => c && peer.addRemoteCandidate(c.toJSON()).catch(() => undefined));
  peer.localCandidates$.subscribe((c) => c && browser.pc.addIceCandidate(c as never).catch(() => undefined));
  await browser.pc.setRemoteDescription({ type: 'answer', sdp: await peer.answer(await browser.createOffer()) });
  await firstValueFrom(peer.state$.pipe(filter((s) => s === 'connected'), timeout(15000)));

  const stamps: number[] = [];
  peer.frames$.subscribe((frame) => {
    stamps.push(frame.y[0]);
    const end = Date.now() + TRANSFORM_MS;
    while (Date.now() < end) {
      // a transform that takes longer than a camera frame interval
    }
  });
  let last = Date.now();
  let longestStall = 0;
  const ticker = setInterval(() => {
    const now = Date.now();
    longestStall = Math.max(longestStall, now - last);
    last = now;
  }, 5);

  const frame = createI420Frame(W, H);
  for (let i = 1; i <= 30; i++) {
    frame.y.fill(i * 8);
    browser.sendFrame(frame.data, W, H, Date.now() + i * 33);
    await sleep(5);
  }
  await sleep(1500);
  clearInterval(ticker);

  expect(stamps.length).toBeGreaterThanOrEqual(2);
  // One transform at a time, never several back to back (which took 3 x 100 ms before).
  expect(longestStall).toBeLessThan(2 * TRANSFORM_MS);
  // Latest first: the last frame handed out is the newest one sent (VP8 keeps flat luma close).
  expect(Math.abs(stamps[stamps.length - 1] - 240)).toBeLessThan(10);

  await peer.close();
  await browser.close();
}, 60000);
