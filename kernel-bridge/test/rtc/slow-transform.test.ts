/**
 * @jest-environment ./test/media/native-env.js
 *
 * A transform slower than the camera must not starve the kernel's event loop (timers, comm
 * messages such as Stop, the kernel's sockets): MediaPeer hands frames out one event-loop turn at
 * a time. Before, frames ran back to back inside one burst of worker-port messages.
 *
 * Proved by order, not by durations: while the transform runs on a frame it schedules a "command"
 * (a timer, like a comm message waiting for the kernel); that command must run before the next
 * frame is handed to the transform. And no frame is lost or queued: every decoded frame is either
 * handed to the transform or dropped (counted), and the last one handed is the newest.
 * Opens UDP sockets: run inside a loopback-only namespace (scripts/test.sh does).
 */
import { filter, firstValueFrom, timeout } from 'rxjs';
import { createI420Frame } from '../../src/media';
import { MediaPeer, type MediaStats } from '../../src/rtc';
import { FakeBrowser } from './fake-browser';

const W = 160;
const H = 120;
const FRAMES = 30;
/** The transform's busy time: longer than a frame interval, and than a timer's 1 ms minimum. */
const TRANSFORM_MS = 20;

it('runs a slow transform one frame per event-loop turn, newest frame first, nothing queued', async () => {
  // maxInFlight 4: the worker posts several decoded frames without waiting, so several 'frame'
  // messages sit on the port at once (what a burst of packets does in a real session); Node handles
  // queued port messages back to back in one turn, which is where frames used to run back to back.
  const peer = await MediaPeer.create({ hostAddresses: ['127.0.0.1'], maxInFlight: 4 });
  const stats: MediaStats[] = [];
  peer.stats$.subscribe((s) => stats.push(s));
  const browser = new FakeBrowser();
  browser.pc.onIceCandidate.subscribe((c) => {
    if (c) peer.addRemoteCandidate(c.toJSON()).catch(() => undefined);
  });
  peer.localCandidates$.subscribe((c) => {
    if (c) browser.pc.addIceCandidate(c as never).catch(() => undefined);
  });
  await browser.pc.setRemoteDescription({ type: 'answer', sdp: await peer.answer(await browser.createOffer()) });
  await firstValueFrom(
    peer.state$.pipe(
      filter((s) => s === 'connected'),
      timeout(15000),
    ),
  );

  const events: string[] = []; // 'frame' when the transform gets a frame, 'command' when a command ran
  const stamps: number[] = [];
  let sawNewest!: () => void;
  const newestHanded = new Promise<void>((r) => (sawNewest = r));
  peer.frames$.subscribe((frame) => {
    events.push('frame');
    stamps.push(frame.y[0]);
    setTimeout(() => events.push('command'), 0); // arrives while the transform is busy
    const end = performance.now() + TRANSFORM_MS;
    while (performance.now() < end) {
      // a synchronous transform that takes longer than a camera frame interval
    }
    if (Math.abs(frame.y[0] - FRAMES * 8) < 10) sawNewest();
  });

  const frame = createI420Frame(W, H);
  // all frames at once, faster than any transform: the worker decodes them while the first is transformed
  for (let i = 1; i <= FRAMES; i++) {
    frame.y.fill(i * 8);
    browser.sendFrame(frame.data, W, H, Date.now() + i * 33);
  }
  await newestHanded;
  // the next stats message counts every frame decoded so far (all were, the newest was handed)
  const statsSeen = stats.length;
  await firstValueFrom(
    peer.stats$.pipe(
      filter(() => stats.length > statsSeen),
      timeout(5000),
    ),
  );
  const final = stats.at(-1)!;
  const { decoded, dropped_worker, dropped_main, delivered } = final.total;

  // One transform per event-loop turn: each frame's command ran before the next frame.
  expect(events.filter((e) => e === 'frame').length).toBe(stamps.length);
  expect(events.join(' ')).toBe(Array(stamps.length).fill('frame command').join(' '));
  // Latest first: frames handed out only get newer, and the last one is the newest sent.
  for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1] - 4);
  expect(Math.abs(stamps[stamps.length - 1] - FRAMES * 8)).toBeLessThan(10);
  // Nothing queued, nothing lost: every decoded frame was handed to the transform or dropped.
  expect(stamps.length).toBeGreaterThanOrEqual(2); // the first frame, then the newest
  expect(decoded).toBeLessThanOrEqual(FRAMES);
  expect(delivered).toBe(stamps.length);
  expect(delivered + dropped_worker + dropped_main).toBe(decoded);
  expect(dropped_worker + dropped_main).toBeGreaterThan(0); // the frames came faster than the transform
  expect(final.dropped).toBe(dropped_worker + dropped_main + final.total.decode_failed + final.total.dropped_send);

  await peer.close();
  await browser.close();
}, 60000);
