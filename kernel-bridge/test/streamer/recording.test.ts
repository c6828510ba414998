/**
 * @jest-environment ./test/media/native-env.js
 *
 * Recording in the real kernel process, driven the way JupyterLab does (cells, the widget's comm,
 * a werift peer as the browser): `ctx.record()` and the record button; the files read back with
 * node-av after every way a recording ends (rec.stop(), ctx.stop(), the browser's Stop, the
 * browser gone, the widget closed, shutdown_request, SIGTERM); bad paths and record() with
 * nothing playing are clear errors and the stream stays up. Run inside a loopback-only namespace.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { KernelClient, Msg, ofType } from '../kernel/kernel-client';
import { FakeBrowser } from '../rtc/fake-browser';
import { Microphone } from '../rtc/fake-microphone';
import { readMedia } from '../rtc/read-media';
import { H, level, W } from './flat-frames';

/** The fake microphone's tone (amplitude 0.5). */
const TONE_HZ = 1000;

class Frontend {
  constructor(
    readonly kernel: KernelClient,
    readonly modelId: string,
  ) {}

  send(content: object): void {
    this.kernel.send('shell', 'comm_msg', { comm_id: this.modelId, data: { method: 'custom', content } });
  }

  private data(m: Msg): { method?: string; content?: { type?: string }; state?: Record<string, unknown> } | null {
    return m.header.msg_type === 'comm_msg' && m.content.comm_id === this.modelId ? (m.content.data as never) : null;
  }

  waitForCustom(type: string, timeoutMs = 30000): Promise<Record<string, unknown>> {
    return this.kernel
      .waitForIopub((m) => this.data(m)?.method === 'custom' && this.data(m)?.content?.type === type, timeoutMs)
      .then((m) => this.data(m)!.content as Record<string, unknown>);
  }

  waitForState(test: (state: Record<string, unknown>) => boolean, timeoutMs = 30000): Promise<Record<string, unknown>> {
    return this.kernel
      .waitForIopub((m) => this.data(m)?.method === 'update' && test(this.data(m)!.state ?? {}), timeoutMs)
      .then((m) => this.data(m)!.state!);
  }
}

async function makeStreamer(kernel: KernelClient, key: string, { audio = false } = {}): Promise<Frontend> {
  const { reply, iopub } = await kernel.execute(
    `import { webrtcStreamer } from "jupyterlab-webrtc-bridge";\n` +
      `var ctx = webrtcStreamer({ key: ${JSON.stringify(key)}, livenessTimeoutMs: 1500, audio: ${audio} });\nctx`,
  );
  expect(reply.content.status).toBe('ok');
  const data = ofType(iopub, 'execute_result')[0].content.data as Record<string, { model_id: string }>;
  return new Frontend(kernel, data['application/vnd.jupyter.widget-view+json'].model_id);
}

/**
 * Negotiates like the browser; resolves once playing, with frames flowing at ~30 fps until stopped
 * (and with `audio`, a 1 kHz tone from the microphone, started with the frames as Chrome starts both).
 */
async function connect(
  frontend: Frontend,
  { audio = false } = {},
): Promise<{ browser: FakeBrowser; stopFrames: () => void }> {
  const browser = new FakeBrowser(audio ? { audio: 'opus' } : {});
  const microphone = audio ? new Microphone(browser.audioTrack, TONE_HZ) : null;
  browser.pc.onIceCandidate.subscribe((c) => frontend.send({ type: 'candidate', candidate: c ? c.toJSON() : null }));
  const stopListening = frontend.kernel.onIopub((m) => {
    const data = m.content.data as { method?: string; content?: { type?: string; candidate?: unknown } } | undefined;
    if (m.content.comm_id !== frontend.modelId || data?.content?.type !== 'candidate') return;
    if (data.content.candidate) void browser.pc.addIceCandidate(data.content.candidate as never).catch(() => 0);
  });
  const answered = frontend.waitForCustom('answer');
  const playing = frontend.waitForState((s) => s.kernel_status === 'playing');
  frontend.send({ type: 'offer', sdp: await browser.createOffer() });
  await browser.pc.setRemoteDescription({ type: 'answer', sdp: (await answered).sdp as string });
  await playing;
  stopListening();
  let n = 0;
  microphone?.start();
  const timer = setInterval(() => {
    // FakeBrowser's werift sender never sees the kernel's PLIs (plisReceived stays 0), which
    // Chrome answers with a keyframe (the Galata test records from Chrome): a keyframe every 3
    // frames stands in, so a recording starts within 0.1 s as with a PLI
    if (n % 3 === 0) keyframeNext(browser);
    browser.sendFrame(level(40 + ((n++ * 7) % 180)), W, H, Date.now());
  }, 33);
  return {
    browser,
    stopFrames: () => {
      clearInterval(timer);
      microphone?.stop();
    },
  };
}

/** The next frame the fake browser sends is a keyframe (what its answer to a PLI would be). */
function keyframeNext(browser: FakeBrowser): void {
  (browser as unknown as { forceKey: boolean }).forceKey = true;
}

/** Runs a cell; returns its stdout and, on error, its error value. */
async function run(kernel: KernelClient, code: string): Promise<{ ok: boolean; out: string; err: string }> {
  const { reply, iopub } = await kernel.execute(code);
  const stream = (name: string) =>
    ofType(iopub, 'stream')
      .filter((m) => m.content.name === name)
      .map((m) => m.content.text)
      .join('');
  const err = reply.content.status === 'ok' ? stream('stderr') : `${reply.content.ename}: ${reply.content.evalue}`;
  return { ok: reply.content.status === 'ok', out: stream('stdout'), err };
}

interface FileInfo {
  path: string;
  kind: string;
  frames: number;
  durationMs: number;
  bytes: number;
}

/** Checks a recorded file as a player would: container, codec, duration near `ms`, every frame decodes. */
function expectPlayable(file: string, codec: 'vp8' | 'h264', ms: number, frames?: number): void {
  const info = readMedia(file);
  expect(info.codec).toBe(codec);
  expect(info.format).toContain(codec === 'vp8' ? 'webm' : 'mp4');
  expect(Math.abs(info.durationMs - ms)).toBeLessThan(ms * 0.1);
  expect(info.decoded).toBeGreaterThan(ms / 33 / 2);
  if (frames !== undefined) expect(info.decoded).toBe(frames);
}

/** Records from `startCode` for ~`ms`, with the browser sending; returns the time the recording ran, ms. */
async function recordFor(kernel: KernelClient, startCode: string, ms: number, browser: FakeBrowser): Promise<number> {
  const started = await run(kernel, startCode);
  expect(started).toMatchObject({ ok: true, err: '' });
  keyframeNext(browser);
  const t0 = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return Date.now() - t0;
}

describe('recording a stream in the kernel process (loopback)', () => {
  let kernel: KernelClient;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    kernel = await KernelClient.start();
  }, 60000);
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  afterAll(async () => kernel.stop());

  async function playing(key: string, options: { audio?: boolean } = {}) {
    const frontend = await makeStreamer(kernel, key, options);
    const { browser, stopFrames } = await connect(frontend, options);
    cleanups.push(async () => {
      stopFrames();
      await browser.close();
    });
    return { frontend, browser, stopFrames };
  }

  it('records input (WebM, remuxed) and output (MP4, H.264) from code; rec.stop() gives the finalised files', async () => {
    await playing('code');
    // the kernel measures the time recorded, from record() to stop(): cell round trips under load
    // must not count
    // (started after a pause, as in the audio test below: not while the cell's compile holds the
    // main thread, which made the output file start with a frame from before record())
    const stopped = await run(
      kernel,
      `await new Promise((resolve) => setTimeout(resolve, 300));
var rec = ctx.record({ input: "in.webm", output: "out.mp4" });
const t0 = Date.now();
await new Promise((resolve) => setTimeout(resolve, 3000));
const recordedMs = Date.now() - t0;
const r = await rec.stop();
console.log(recordedMs);
console.log(JSON.stringify(r.files));`,
    );
    expect(stopped.ok).toBe(true);
    const [recordedLine, filesLine] = stopped.out.trim().split('\n');
    const recorded = Number(recordedLine);
    const files = JSON.parse(filesLine) as FileInfo[];
    expect(files.map((f) => [f.path, f.kind])).toEqual([
      ['in.webm', 'input'],
      ['out.mp4', 'output'],
    ]);
    for (const f of files) {
      expect(f.bytes).toBeGreaterThan(0);
      expectPlayable(path.join(kernel.cwd, f.path), f.kind === 'input' ? 'vp8' : 'h264', recorded, f.frames);
      expect(Math.abs(f.durationMs - recorded)).toBeLessThan(recorded * 0.1);
    }
  });

  it('a stream with audio: true records the microphone in and the audio sent back out, as Opus beside the video', async () => {
    await playing('audio', { audio: true });
    // Started from a timer, not while the cell starts: the kernel's main thread is busy compiling
    // a cell (0.1-0.3 s, more under load) and the output frame that waited meanwhile, captured
    // before record(), would be the output file's first frame, making it that much longer.
    const stopped = await run(
      kernel,
      `const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
await sleep(300);
var rec = ctx.record({ input: "audio-in.webm", output: "audio-out.mp4" });
const t0 = Date.now();
await sleep(3000);
const recordedMs = Date.now() - t0;
const r = await rec.stop();
console.log(recordedMs);
console.log(JSON.stringify(r.files));`,
    );
    expect(stopped).toMatchObject({ ok: true, err: '' });
    const [recordedLine, filesLine] = stopped.out.trim().split('\n');
    const recorded = Number(recordedLine);
    const files = JSON.parse(filesLine) as FileInfo[];
    expect(files.map((f) => f.path)).toEqual(['audio-in.webm', 'audio-out.mp4']);
    for (const f of files) {
      const file = path.join(kernel.cwd, f.path);
      expectPlayable(file, f.kind === 'input' ? 'vp8' : 'h264', recorded, f.frames);
      const info = readMedia(file, TONE_HZ);
      const audio = info.audio!;
      expect(audio).toMatchObject({ codec: 'opus' });
      // as long as the recording (20 ms Opus frames, every one decodes), and the tone is in it
      expect(Math.abs((audio.samples / 48000) * 1000 - recorded)).toBeLessThan(recorded * 0.1);
      expect(audio.decoded).toBeGreaterThanOrEqual(Math.floor(audio.samples / 960));
      expect(audio.tone).toBeGreaterThan(0.3);
      expect(audio.rms).toBeGreaterThan(0.2);
      // lip sync in the file: the audio starts with the video (same clock; the Opus encoder's first
      // 20 ms packet starts before time 0 and is left out)
      expect(Math.abs(audio.firstMs - info.firstMs)).toBeLessThan(50);
    }
  });

  it("finalises on ctx.stop(), the browser's Stop, the browser gone and the widget closed", async () => {
    const cases: [string, (f: Frontend, b: FakeBrowser, stopFrames: () => void) => Promise<void>][] = [
      ['ctx-stop', async () => void (await run(kernel, 'await ctx.stop()'))],
      ['browser-stop', async (f) => f.send({ type: 'stop' })],
      ['browser-gone', async (_f, b, stopFrames) => (stopFrames(), b.vanish())],
      ['widget-close', async () => void (await run(kernel, 'ctx.close()'))],
    ];
    for (const [name, end] of cases) {
      const { frontend, browser, stopFrames } = await playing(name);
      const recorded = await recordFor(kernel, `var rec = ctx.record({ input: "${name}.webm" });`, 1200, browser);
      // a closed widget syncs nothing more: its recording's end shows in rec.done only
      const done =
        name === 'widget-close'
          ? null
          : frontend.waitForState((s) => (s.recording as { active: boolean })?.active === false, 15000);
      await end(frontend, browser, stopFrames);
      if (done) expect((await done).recording).toEqual({ active: false, files: [`${name}.webm`] });
      const result = await run(kernel, 'console.log(JSON.stringify((await rec.done).files))');
      const [file] = JSON.parse(result.out) as FileInfo[];
      // the browser gone: frames stopped when it vanished; the others ran a little past `recorded`
      expectPlayable(path.join(kernel.cwd, file.path), 'vp8', file.durationMs);
      expect(file.durationMs).toBeGreaterThan(recorded * 0.9);
    }
  });

  it('the record button records input and output under default names and stops them', async () => {
    const { frontend } = await playing('button');
    const active = frontend.waitForState((s) => (s.recording as { active: boolean })?.active === true);
    frontend.send({ type: 'record', action: 'start' });
    const { recording } = await active;
    const t0 = Date.now();
    const names = (recording as { files: string[] }).files;
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^button-\d{8}-\d{6}-input\.webm$/);
    expect(names[1]).toMatch(/^button-\d{8}-\d{6}-output\.webm$/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const done = frontend.waitForState((s) => (s.recording as { active: boolean })?.active === false);
    frontend.send({ type: 'record', action: 'stop' });
    const recordedMs = Date.now() - t0;
    expect((await done).recording).toEqual({ active: false, files: names });
    for (const name of names) {
      const file = path.join(kernel.cwd, name);
      // a file begins at a keyframe after the start: at most a little shorter than the button's time
      expect(readMedia(file).durationMs).toBeGreaterThan(recordedMs * 0.8);
      expectPlayable(file, 'vp8', readMedia(file).durationMs);
    }
  });

  it('bad paths and record() with nothing playing are clear errors; the stream stays up', async () => {
    const idle = await makeStreamer(kernel, 'idle');
    expect(idle).toBeTruthy();
    const notPlaying = await run(kernel, 'ctx.record({ input: "x.webm" })');
    expect(notPlaying.err).toMatch(/nothing is streaming/);
    const { browser } = await playing('bad');
    const cases: [string, RegExp][] = [
      ['{ input: "x.avi" }', /must end in \.webm .* or \.mp4/],
      ['{ input: "no/such/folder/x.webm" }', /folder .* does not exist/],
      ['{}', /needs input and\/or output/],
      ['{ input: "a\\0.webm" }', /NUL/],
      ['{ input: "in.webm" }', /exists \(pass overwrite: true/],
      ['{ input: "same.webm", output: "same.webm" }', /same file/],
    ];
    await run(kernel, 'require("fs").writeFileSync("in.webm", "")');
    for (const [options, message] of cases) {
      const r = await run(kernel, `ctx.record(${options})`);
      expect(r.ok).toBe(false);
      expect(r.err).toMatch(message);
    }
    // the worker cannot open it (under /proc): the error comes under the cell and to the widget
    const error = kernel.waitForIopub((m) => {
      const c = (m.content.data as { content?: { type?: string; message?: string } } | undefined)?.content;
      return c?.type === 'error' && /recording failed/.test(c.message ?? '');
    });
    const opened = await run(
      kernel,
      'var bad = ctx.record({ input: "/proc/x.webm" }); await bad.done.catch((e) => console.log("caught", e.message))',
    );
    expect(opened.out).toMatch(/caught .*\/proc\/x\.webm/);
    await error;
    // still streaming and recording works
    await recordFor(kernel, 'var rec = ctx.record({ output: "after.webm" });', 600, browser);
    const after = await run(kernel, 'console.log(JSON.stringify((await rec.stop()).files))');
    expect((JSON.parse(after.out) as FileInfo[])[0].frames).toBeGreaterThan(5);
  });

  it.each(['shutdown_request', 'SIGTERM'])('finalises when the kernel shuts down (%s)', async (how) => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'record-shutdown-'));
    const own = await KernelClient.start({ cwd });
    const saved = kernel;
    kernel = own;
    try {
      const { stopFrames, browser } = await playing('shutdown');
      const recorded = await recordFor(
        kernel,
        'var rec = ctx.record({ input: "in.webm", output: "out.mp4" });',
        1500,
        browser,
      );
      if (how === 'SIGTERM') own.process.kill('SIGTERM');
      else await own.request('control', 'shutdown_request', { restart: false });
      expect(await own.exitCode()).toBe(0);
      stopFrames();
      expect(existsSync(path.join(cwd, 'in.webm'))).toBe(true);
      const input = readMedia(path.join(cwd, 'in.webm'));
      expect(input.durationMs).toBeGreaterThan(recorded * 0.9);
      expectPlayable(path.join(cwd, 'in.webm'), 'vp8', input.durationMs);
      const output = readMedia(path.join(cwd, 'out.mp4'));
      expect(output.durationMs).toBeGreaterThan(recorded * 0.8);
      expectPlayable(path.join(cwd, 'out.mp4'), 'h264', output.durationMs);
    } finally {
      kernel = saved;
      await own.stop();
    }
  });
});
