/**
 * @jest-environment ./test/media/native-env.js
 *
 * The streamer widget in the real kernel process, driven over zeromq the way JupyterLab does: a
 * cell makes the widget, the test plays the frontend (comm messages) and the browser (a werift
 * peer). Checks what the kernel holds for a stream (worker threads, UDP sockets, counted in
 * /proc/<kernel pid>) is given back on every way a stream ends, and that media keeps flowing
 * while a cell keeps the kernel's main thread busy. Opens UDP sockets: run inside a loopback-only
 * network namespace (scripts/test.sh does).
 */
import { randomUUID } from 'crypto';
import { writeFileSync } from 'fs';
import * as path from 'path';
import { KernelClient, Msg, ofType } from '../kernel/kernel-client';
import { FakeBrowser } from '../rtc/fake-browser';
import { RESOURCES_OF_SELF_SOURCE, Resources, resourcesOf, waitForResources } from './process-resources';
import { H, level, lumaOf, W } from './flat-frames';

/** The frontend side of one streamer widget: its comm messages, both ways. */
class Frontend {
  constructor(
    readonly kernel: KernelClient,
    readonly modelId: string,
  ) {}

  send(content: object): Msg['header'] {
    return this.kernel.send('shell', 'comm_msg', { comm_id: this.modelId, data: { method: 'custom', content } });
  }

  private ofComm(m: Msg): boolean {
    return m.content.comm_id === this.modelId;
  }

  custom(m: Msg, type: string): boolean {
    const data = m.content.data as { method?: string; content?: { type?: string } } | undefined;
    return (
      m.header.msg_type === 'comm_msg' && this.ofComm(m) && data?.method === 'custom' && data.content?.type === type
    );
  }

  customs(type: string): { [key: string]: unknown }[] {
    return this.kernel.iopubMessages
      .filter((m) => this.custom(m, type))
      .map((m) => (m.content.data as { content: { [key: string]: unknown } }).content);
  }

  waitForCustom(
    type: string,
    test: (content: { [key: string]: unknown }) => boolean = () => true,
    timeoutMs = 30000,
  ): Promise<{ [key: string]: unknown }> {
    return this.kernel
      .waitForIopub(
        (m) => this.custom(m, type) && test((m.content.data as { content: { [key: string]: unknown } }).content),
        timeoutMs,
      )
      .then((m) => (m.content.data as { content: { [key: string]: unknown } }).content);
  }

  waitForStatus(status: string, timeoutMs = 30000): Promise<Msg> {
    return this.kernel.waitForIopub((m) => {
      const data = m.content.data as { method?: string; state?: { kernel_status?: string } } | undefined;
      return (
        m.header.msg_type === 'comm_msg' &&
        this.ofComm(m) &&
        data?.method === 'update' &&
        data.state?.kernel_status === status
      );
    }, timeoutMs);
  }

  waitForClose(timeoutMs = 30000): Promise<Msg> {
    return this.kernel.waitForIopub((m) => m.header.msg_type === 'comm_close' && this.ofComm(m), timeoutMs);
  }
}

/** Runs a cell that ends with a streamer; returns its model id, as the frontend reads it. */
async function makeStreamer(kernel: KernelClient, key: string): Promise<Frontend> {
  const { reply, iopub } = await kernel.execute(
    `import { webrtcStreamer } from "jupyterlab-webrtc-bridge";\nwebrtcStreamer({ key: ${JSON.stringify(key)} })`,
  );
  expect(reply.content.status).toBe('ok');
  const data = ofType(iopub, 'execute_result')[0].content.data as Record<string, { model_id: string }>;
  return new Frontend(kernel, data['application/vnd.jupyter.widget-view+json'].model_id);
}

/** Offer/answer and trickle ICE over the widget's comm; resolves once the kernel says playing. */
async function connect(frontend: Frontend): Promise<FakeBrowser> {
  const browser = new FakeBrowser();
  browser.pc.onIceCandidate.subscribe((candidate) =>
    frontend.send({ type: 'candidate', candidate: candidate ? candidate.toJSON() : null }),
  );
  const stopListening = frontend.kernel.onIopub((m) => {
    if (!frontend.custom(m, 'candidate')) return;
    const candidate = (m.content.data as { content: { candidate: unknown } }).content.candidate;
    if (candidate) void browser.pc.addIceCandidate(candidate as never).catch(() => undefined);
  });
  const answered = frontend.waitForCustom('answer');
  const playing = frontend.waitForStatus('playing');
  frontend.send({ type: 'offer', sdp: await browser.createOffer() });
  await browser.pc.setRemoteDescription({ type: 'answer', sdp: (await answered).sdp as string });
  // Candidates the kernel sent before we listened (none expected: the answer comes first).
  for (const content of frontend.customs('candidate')) {
    if (content.candidate) await browser.pc.addIceCandidate(content.candidate as never).catch(() => undefined);
  }
  await playing;
  stopListening();
  return browser;
}

/** Sends frames of `input` (at ~30 fps, like a camera) until a returned frame passes `accept`. */
async function pumpUntil(
  browser: FakeBrowser,
  input: number,
  accept: (luma: number) => boolean,
  what: string,
  maxFrames = 300,
): Promise<number> {
  for (let i = 0; i < maxFrames; i++) {
    browser.sendFrame(level(input), W, H, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 33));
    const last = browser.received[browser.received.length - 1];
    if (last && accept(lumaOf(last))) return lumaOf(last);
  }
  throw new Error(`${what}: no matching frame came back after ${maxFrames} frames`);
}

/** Resolves once a frame decoded after index `from` passes `accept` (bounded). */
function waitForDecoded(
  browser: FakeBrowser,
  from: number,
  accept: (luma: number) => boolean,
  what: string,
  timeoutMs = 20000,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      browser.onDecoded = null;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const check = () => browser.received.slice(from).some((f) => accept(lumaOf(f))) && done();
    const timer = setTimeout(
      () =>
        done(new Error(`${what}: not seen in ${timeoutMs} ms; got lumas ${browser.received.slice(from).map(lumaOf)}`)),
      timeoutMs,
    );
    browser.onDecoded = check;
    check();
  });
}

const same = (baseline: Resources) => (now: Resources) => now.threads === baseline.threads && now.udp === baseline.udp;

describe('the streamer in the kernel process (loopback)', () => {
  let kernel: KernelClient;
  let baseline: Resources;
  const browsers: FakeBrowser[] = [];

  beforeAll(async () => {
    kernel = await KernelClient.start();
    // Start libuv's thread pool (all its threads at once, for good) before counting, and load
    // the streamer code, so the baseline is what the kernel holds with no stream.
    const warm = await kernel.execute(
      'import { webrtcStreamer } from "jupyterlab-webrtc-bridge";\nawait require("fs").promises.stat(".");\ntypeof webrtcStreamer',
    );
    expect(warm.reply.content.status).toBe('ok');
    baseline = resourcesOf(kernel.process.pid!);
  }, 60000);

  afterEach(async () => {
    for (const browser of browsers.splice(0)) await browser.close();
  });

  afterAll(async () => {
    await kernel.stop();
  });

  it('holds a spare worker and no socket before Start; gives both back when the widget is closed', async () => {
    const frontend = await makeStreamer(kernel, 'close-idle');
    await waitForResources(kernel.process.pid!, (now) => now.threads > baseline.threads, 'the spare worker starting');
    expect(resourcesOf(kernel.process.pid!).udp).toBe(baseline.udp);
    const closed = frontend.waitForClose();
    expect((await kernel.execute('webrtcStreamer({ key: "close-idle" }).close()')).reply.content.status).toBe('ok');
    await closed;
    await waitForResources(kernel.process.pid!, same(baseline), 'after closing an idle streamer');
  });

  it('releases the peer and the spare worker when a cell closes a playing widget', async () => {
    const frontend = await makeStreamer(kernel, 'close-playing');
    const browser = await connect(frontend);
    browsers.push(browser);
    await pumpUntil(browser, 200, (y) => Math.abs(y - 200) < 12, 'pass-through');
    expect(resourcesOf(kernel.process.pid!).udp).toBeGreaterThan(baseline.udp);
    const closed = frontend.waitForClose();
    await kernel.execute('webrtcStreamer({ key: "close-playing" }).close()');
    await closed;
    await waitForResources(kernel.process.pid!, same(baseline), 'after closing a playing streamer');
  });

  it('keeps media flowing in the worker while a cell keeps the main thread busy', async () => {
    const frontend = await makeStreamer(kernel, 'busy');
    const browser = await connect(frontend);
    browsers.push(browser);
    await pumpUntil(browser, 60, (y) => Math.abs(y - 60) < 12, 'pass-through before the busy cell');

    const release = path.join(kernel.cwd, `release-${randomUUID()}`);
    const busy = kernel.execute(
      `require("fs").writeSync(2, "spinning\\n");\nconst fs = require("fs"); while (!fs.existsSync(${JSON.stringify(release)})) {}\n"released"`,
    );
    try {
      await kernel.waitForStderr(/^spinning$/m);
      // The worker's RTP receiver reports (RTCP RR, every 0.5-1.5 s) the highest sequence number
      // it got. A report covering packets sent after the cell started spinning (it only ends when
      // we create the file) shows the worker received media and answered without the main thread.
      const firstSeqWhileBusy = (browser as unknown as { seq: number }).seq;
      let highestReported = -1;
      const reports = browser.transceiver.sender.onRtcp.subscribe((packet) => {
        for (const report of (packet as { reports?: { ssrc: number; highestSequence: number }[] }).reports ?? []) {
          if (report.ssrc === browser.transceiver.sender.ssrc)
            highestReported = Math.max(highestReported, report.highestSequence & 0xffff);
        }
      });
      for (let i = 0; i < 300 && highestReported < firstSeqWhileBusy; i++) {
        browser.sendFrame(level(200), W, H, Date.now());
        await new Promise((resolve) => setTimeout(resolve, 33));
      }
      reports.unSubscribe();
      expect(highestReported).toBeGreaterThanOrEqual(firstSeqWhileBusy);
    } finally {
      writeFileSync(release, '');
    }
    const receivedBefore = browser.received.length;
    expect((await busy).reply.content.status).toBe('ok');
    // No more input: what comes back now is the newest frame the worker decoded while the main
    // thread was busy (level 200), not a backlog of older ones (level 60).
    await waitForDecoded(
      browser,
      receivedBefore,
      (luma) => Math.abs(luma - 200) < 12,
      'a level-200 frame after the busy cell',
    );
    expect(frontend.customs('error')).toEqual([]);
    expect(frontend.customs('stopped')).toEqual([]);
    await kernel.execute('webrtcStreamer({ key: "busy" }).close()');
    await waitForResources(kernel.process.pid!, same(baseline), 'after closing the busy-test streamer');
  });

  it('releases the old stream when a re-run cell uses a new key and the frontend lets the old widget go', async () => {
    const old = await makeStreamer(kernel, 'key-1');
    const browser = await connect(old);
    browsers.push(browser);
    await pumpUntil(browser, 120, (y) => Math.abs(y - 120) < 12, 'pass-through on key-1');
    const withOldPlaying = resourcesOf(kernel.process.pid!);
    const renamed = await makeStreamer(kernel, 'key-2');
    expect(renamed.modelId).not.toBe(old.modelId);
    // JupyterLab cleared the old output: the old model's last view is gone, so it stops.
    old.send({ type: 'stop' });
    expect(await old.waitForCustom('stopped')).toEqual({ type: 'stopped', reason: 'stopped by the user' });
    // The old peer's sockets are gone; the new widget is untouched (idle, nothing told to it).
    await waitForResources(
      kernel.process.pid!,
      (now) => now.udp === baseline.udp,
      'UDP sockets after the old stream stopped',
    );
    expect(withOldPlaying.udp).toBeGreaterThan(baseline.udp);
    expect(renamed.customs('stopped')).toEqual([]);
    const closedOld = old.waitForClose();
    const closedNew = renamed.waitForClose();
    await kernel.execute('webrtcStreamer({ key: "key-1" }).close(); webrtcStreamer({ key: "key-2" }).close();');
    await Promise.all([closedOld, closedNew]);
    await waitForResources(kernel.process.pid!, same(baseline), 'after closing both streams');
  });

  it('releases the peer when the browser tab goes away without a word (its peer closes)', async () => {
    const frontend = await makeStreamer(kernel, 'tab');
    const browser = await connect(frontend);
    await pumpUntil(browser, 90, (y) => Math.abs(y - 90) < 12, 'pass-through');
    // One wait for either answer (two raced waits would leave the loser's timer running).
    const ended = kernel.waitForIopub((m) => frontend.custom(m, 'stopped') || frontend.custom(m, 'error'), 60000);
    await browser.close();
    const why = ((await ended).content.data as { content: { type: string; reason?: string; message?: string } })
      .content;
    // The peer is released as stopped, never as an error: by the kernel's liveness watchdog (no
    // RTP/RTCP from the browser for LIVENESS_TIMEOUT_MS) or, if the peer closed cleanly, by its close.
    expect(why.type).toBe('stopped');
    expect(['the browser went away', 'the connection closed']).toContain(why.reason);
    await waitForResources(
      kernel.process.pid!,
      (now) => now.udp === baseline.udp,
      'UDP sockets after the tab went away',
    );
    const closed = frontend.waitForClose();
    await kernel.execute('webrtcStreamer({ key: "tab" }).close()');
    await closed;
    await waitForResources(kernel.process.pid!, same(baseline), 'after closing the streamer of the closed tab');
  }, 90000);

  it('releases the peer and the spare workers on kernel shutdown, before the process exits', async () => {
    const frontend = await makeStreamer(kernel, 'shutdown');
    const browser = await connect(frontend);
    browsers.push(browser);
    await pumpUntil(browser, 180, (y) => Math.abs(y - 180) < 12, 'pass-through');
    // Two idle widgets besides the playing one: the kernel holds a started spare for each.
    await makeStreamer(kernel, 'shutdown-idle-1');
    await makeStreamer(kernel, 'shutdown-idle-2');
    const spares = await kernel.execute(`
      const { currentSpares } = require("jupyterlab-webrtc-bridge/lib/streamer/spare");
      while (currentSpares().ready.length < 2 || currentSpares().booting > 0) await new Promise((r) => setTimeout(r, 20));
      currentSpares().ready.length
    `);
    expect(ofType(spares.iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': '2' });
    // Registered after the streamer's own hook, so it runs after it: it reports what the process
    // still holds at that point (waiting a bounded time for threads to end), on stderr.
    const hook = await kernel.execute(`
      import { getKernelApi } from "jupyterlab-webrtc-bridge";
      getKernelApi().onShutdown(async () => {
        const target = ${JSON.stringify(baseline)};
        let now = ${RESOURCES_OF_SELF_SOURCE};
        for (let i = 0; i < 40 && (now.threads !== target.threads || now.udp !== target.udp); i++) {
          await new Promise((r) => setTimeout(r, 50));
          now = ${RESOURCES_OF_SELF_SOURCE};
        }
        require("fs").writeSync(2, "held after shutdown hooks: " + JSON.stringify(now) + "\\n");
      });
    `);
    expect(hook.reply.content.status).toBe('ok');
    const reply = await kernel.request('control', 'shutdown_request', { restart: false });
    expect(reply.content.status).toBe('ok');
    expect(await kernel.exitCode()).toBe(0);
    const held = /held after shutdown hooks: (\{.*\})/.exec(kernel.stderr.join(''));
    expect(held).not.toBeNull();
    expect(JSON.parse(held![1])).toEqual(baseline);
    expect(frontend.customs('error')).toEqual([]);
  });
});
