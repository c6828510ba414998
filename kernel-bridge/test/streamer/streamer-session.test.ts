/**
 * @jest-environment ./test/media/native-env.js
 *
 * A whole streaming session through the streamer widget: the "browser" (werift stand-in) offers
 * over the widget's comm, frames of a known level go through the notebook's transform and come
 * back. Opens UDP sockets: run inside a loopback-only namespace (scripts/test.sh does).
 */
import { map } from 'rxjs';
import { createI420Frame, Frame } from '../../src/media';
import { webrtcStreamer } from '../../src/streamer';
import { FakeBrowser } from '../rtc/fake-browser';
import { FakeComm, freshKernel } from '../widgets/fake-kernel';
import { resourcesOf, waitForResources } from './process-resources';
import { H, level, lumaOf, W } from './flat-frames';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A bounded wait for a condition the code under test makes true (checked every 10 ms). */
async function until(condition: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited >= timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

const setLuma = (value: (luma: number) => number) => (f: Frame) => {
  const out = createI420Frame(f.width, f.height, f.timestamp, new Uint8Array(f.data));
  out.y.fill(value(f.y[0]));
  return out;
};

function customs(comm: FakeComm, type: string) {
  return comm.sent.filter((s) => s.data.method === 'custom' && (s.data.content as { type?: string }).type === type);
}

async function pumpUntil(
  browser: FakeBrowser,
  input: number,
  accept: (luma: number) => boolean,
  ms = 8000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    browser.sendFrame(level(input), W, H, Date.now());
    await sleep(33);
    const last = browser.received[browser.received.length - 1];
    if (last && accept(lumaOf(last))) return lumaOf(last);
    if (Date.now() - started > ms) throw new Error(`no matching output; last luma ${last ? lumaOf(last) : 'none'}`);
  }
}

describe('streamer session (werift browser stand-in, loopback)', () => {
  it('negotiates over the comm, applies and swaps the transform, survives a throwing transform, stops', async () => {
    const kernel = freshKernel();
    const before = resourcesOf('self');
    const streamer = webrtcStreamer({ key: 'session-test' });
    expect(webrtcStreamer({ key: 'session-test' })).toBe(streamer);
    streamer.transform((frames$) => frames$.pipe(map(setLuma((y) => 255 - y))));
    const comm = kernel.comm(streamer.modelId);

    const browser = new FakeBrowser();
    browser.pc.onIceCandidate.subscribe((candidate) =>
      comm.receive({
        method: 'custom',
        content: { type: 'candidate', candidate: candidate ? candidate.toJSON() : null } as never,
      }),
    );
    comm.receive({ method: 'custom', content: { type: 'offer', sdp: await browser.createOffer() } });
    await until(() => customs(comm, 'answer').length > 0, 'answer');
    const [answer] = customs(comm, 'answer');
    await browser.pc.setRemoteDescription({ type: 'answer', sdp: (answer.data.content as { sdp: string }).sdp });
    let added = 0;
    const addKernelCandidates = setInterval(() => {
      for (const sent of customs(comm, 'candidate').slice(added)) {
        added++;
        const candidate = (sent.data.content as { candidate: unknown }).candidate;
        if (candidate) void browser.pc.addIceCandidate(candidate as never);
      }
    }, 20);

    // Like a browser's encoder, start sending once connected (earlier packets are lost).
    await until(() => streamer.get('kernel_status') === 'playing', 'playing');
    // Inverted: 200 in, about 55 out (VP8 is lossy).
    expect(Math.abs((await pumpUntil(browser, 200, (y) => Math.abs(y - 55) < 12)) - 55)).toBeLessThan(12);

    // Re-run with the same key: same widget, new transform, no new answer.
    const again = webrtcStreamer({ key: 'session-test' }).transform((frames$) => frames$.pipe(map(setLuma(() => 30))));
    expect(again).toBe(streamer);
    await pumpUntil(browser, 200, (y) => Math.abs(y - 30) < 12);
    expect(customs(comm, 'answer')).toHaveLength(1);

    // A throwing transform: the error reaches the widget state, frames pass through unchanged.
    streamer.transform((frames$) =>
      frames$.pipe(
        map((): Frame => {
          throw new Error('kaboom');
        }),
      ),
    );
    await pumpUntil(browser, 150, (y) => Math.abs(y - 150) < 12);
    expect(streamer.get('transform_error')).toBe('Error: kaboom');
    expect(streamer.get('kernel_status')).toBe('playing');
    // The next stats message counts the transform's frames and its errors (each passed a frame on).
    const statsSeen = customs(comm, 'stats').length;
    await until(() => customs(comm, 'stats').length > statsSeen, 'a stats message after the errors');
    const { total } = customs(comm, 'stats').at(-1)!.data.content as { total: Record<string, number> };
    expect(total.transformed).toBeGreaterThan(0);
    expect(total.transform_errors).toBeGreaterThan(0);
    expect(total.received).toBe(total.decoded + total.decode_failed);
    expect(total.sent).toBeGreaterThan(0);

    // Stop from the browser: the kernel releases the peer and says so.
    comm.receive({ method: 'custom', content: { type: 'stop' } });
    await until(() => customs(comm, 'stopped').length > 0, 'stopped');
    expect(customs(comm, 'stopped')[0].data.content).toEqual({ type: 'stopped', reason: 'stopped by the user' });
    expect(streamer.get('kernel_status')).toBe('stopped');

    // A malformed offer gets a clear, non-fatal error.
    comm.receive({ method: 'custom', content: { type: 'offer', sdp: 'not sdp' } });
    await until(() => customs(comm, 'error').length > 0, 'error for a malformed offer');
    expect(customs(comm, 'error').map((s) => s.data.content)).toEqual([
      {
        type: 'error',
        message: 'offer.sdp must be an SDP string (starting with "v=0")',
        fatal: false,
      },
    ]);
    expect(streamer.get('kernel_status')).toBe('stopped');

    // Closing the widget closes its comm, leaves the registry (the key makes a new widget), and
    // gives back the spare worker made after the stop: this process's threads return to what
    // they were with the browser peer alone.
    clearInterval(addKernelCandidates);
    await browser.close();
    streamer.close();
    expect(comm.isClosed).toBe(true);
    expect(streamer.isClosed).toBe(true);
    await waitForResources('self', (now) => now.threads <= before.threads && now.udp <= before.udp, 'after close');
    const fresh = webrtcStreamer({ key: 'session-test' });
    expect(fresh).not.toBe(streamer);
    fresh.close();
    await waitForResources('self', (now) => now.threads <= before.threads, 'after closing a fresh idle streamer');
  }, 60000);
});
