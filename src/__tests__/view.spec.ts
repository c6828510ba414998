import { SettingsStore } from '../settings';
import { WebRtcStreamerModel } from '../streamer/model';
import {
  MAX_LOG_LINE_LENGTH,
  MAX_LOG_LINES,
  MAX_RECORDING_FILES,
  MAX_RECORDING_PATH_LENGTH,
} from '../streamer/protocol';
import { SignallingClient } from '../streamer/signalling';
import { streamerEnvironment, WebRtcStreamerView } from '../streamer/view';
import { MODULE_NAME, MODULE_VERSION } from '../version';
import {
  FakeMediaDevices,
  FakePeerConnection,
  FakeStream,
  flush,
  kernelStats,
  namedError,
  VIDEO_CAPABILITIES,
  videoInput,
} from './fakes';
import { FakeComm, FakeWidgets, fakeManager } from './widget-fakes';

const manager = fakeManager;
let devices: FakeMediaDevices;
let settings: SettingsStore;
const widgets = new FakeWidgets();
const createModel = (state: Record<string, unknown> = {}) => widgets.model(state);
const createView = (model: WebRtcStreamerModel) => widgets.view(model);

const $ = <T extends Element = HTMLElement>(view: WebRtcStreamerView, selector: string) => {
  const el = view.el.querySelector<T>(selector);
  if (!el) {
    throw new Error(`no ${selector}`);
  }
  return el;
};

const click = (view: WebRtcStreamerView, selector: string) => $<HTMLButtonElement>(view, selector).click();

beforeEach(() => {
  FakePeerConnection.instances = [];
  devices = new FakeMediaDevices();
  settings = new SettingsStore();
  localStorage.clear();
  streamerEnvironment.create = () => ({
    devices,
    createPeerConnection: (config) => new FakePeerConnection(config),
    getCodecCapabilities: () => VIDEO_CAPABILITIES,
    makeStream: () => new FakeStream() as unknown as MediaStream,
    settings,
  });
});

afterEach(async () => {
  await widgets.dispose();
  jest.useRealTimers();
});

async function startPlaying(view: WebRtcStreamerView, comm: FakeComm) {
  click(view, '.jp-webrtc-start');
  await flush();
  const pc = FakePeerConnection.last();
  comm.receive({ type: 'answer', sdp: 'v=0\r\nanswer' });
  await flush();
  pc.setConnectionState('connected');
  return pc;
}

describe('WebRtcStreamerModel', () => {
  it('declares the module, names and defaults of the protocol', () => {
    const { model } = createModel();
    expect(model.get('_model_name')).toBe('WebRtcStreamerModel');
    expect(model.get('_view_name')).toBe('WebRtcStreamerView');
    expect(model.get('_model_module')).toBe('jupyterlab-webrtc');
    expect(model.get('_view_module')).toBe(MODULE_NAME);
    expect(model.get('_model_module_version')).toBe(MODULE_VERSION);
    expect(MODULE_VERSION).toBe('0.1.0');
    expect(model.get('key')).toBe('');
    expect(model.get('ice_servers')).toBeNull();
    expect(model.get('codec')).toBe('VP8');
    expect(model.get('show_stats')).toBeNull();
    expect(model.get('media_constraints')).toBeNull();
    expect(model.get('transform_error')).toBe('');
    expect(model.get('kernel_status')).toBe('idle');
    expect(model.get('log')).toEqual([]);
    expect(model.get('mode')).toBe('sendrecv');
  });

  it('signals every session change, with its payload, to receivers without a view', async () => {
    const { model, comm } = createModel({ key: 'k' });
    const heard: string[] = [];
    model.stateChanged.connect((sender, { state, detail }) => {
      expect(sender).toBeInstanceOf(SignallingClient); // the session's own signal
      heard.push(`state ${state}${detail ? `: ${detail}` : ''}`);
    });
    model.localStreamChanged.connect((_, s) => heard.push(`local ${s === devices.streams[0] ? 'camera' : s}`));
    model.remoteStreamChanged.connect((_, s) => heard.push(`remote ${s === out ? 'kernel' : s}`));
    model.noticeChanged.connect((sender, notice) => {
      expect(sender).toBe(model);
      heard.push(`notice ${notice}`);
    });
    model.statsChanged.connect((_, stats) => heard.push(`stats ${stats ? stats.fps_in : stats}`));
    model.cameraChosen.connect((_, deviceId) => heard.push(`camera ${deviceId}`));
    const out = new FakeStream();

    model.chooseCamera('cam-b');
    await model.startStreaming();
    const pc = FakePeerConnection.last();
    comm.receive({ type: 'answer', sdp: 'v=0\r\nanswer' });
    await flush();
    pc.emitTrack(out);
    pc.setConnectionState('connected');
    comm.receive({ type: 'error', message: 'bad candidate', fatal: false });
    comm.receive(kernelStats({ fps_in: 30 }));
    model.stopStreaming('enough');
    expect(heard).toEqual([
      'camera cam-b',
      'state connecting: opening the camera',
      'local camera',
      "state connecting: waiting for the kernel's answer",
      'state connecting: establishing the connection',
      'remote kernel',
      'state playing',
      'notice kernel: bad candidate',
      'stats 30',
      'local null',
      'remote null',
      'stats null',
      'state stopped: enough',
    ]);
    expect(model.statusText).toBe('stopped: enough');
    expect(model.notice).toBe('kernel: bad candidate'); // kept until the next Start
  });
});

describe('WebRtcStreamerView', () => {
  it('renders the controls, videos and status the UI tests look for', () => {
    const { model } = createModel({ key: 'edges' });
    const view = createView(model);
    expect(view.el.classList).toContain('jp-webrtc');
    expect(view.el.dataset.state).toBe('idle');
    expect($(view, '.jp-webrtc-status').textContent).toMatch(/^idle/);
    expect($<HTMLButtonElement>(view, '.jp-webrtc-start').disabled).toBe(false);
    expect($<HTMLButtonElement>(view, '.jp-webrtc-stop').disabled).toBe(true);
    expect($(view, '.jp-webrtc-error').hidden).toBe(true);
    for (const selector of ['video.jp-webrtc-local', 'video.jp-webrtc-output']) {
      const video = $<HTMLVideoElement>(view, selector);
      expect(video.hasAttribute('playsinline')).toBe(true);
      expect(video.hasAttribute('autoplay')).toBe(true);
      expect(video.muted).toBe(true);
    }
    expect($(view, '[data-testid="webrtc-start"]')).toBe($(view, '.jp-webrtc-start'));
  });

  it('sendonly: the camera pane only (no output video in the DOM), the stats overlay on the camera', async () => {
    const { model, comm } = createModel({ key: 'count', mode: 'sendonly', show_stats: true });
    const view = createView(model);
    expect(view.el.dataset.mode).toBe('sendonly');
    expect(view.el.querySelector('video.jp-webrtc-output')).toBeNull();
    expect($(view, '.jp-webrtc-status').textContent).toBe('idle: press Start to send the camera to the kernel');
    const pc = await startPlaying(view, comm);
    expect(pc.transceivers[0].init.direction).toBe('sendonly');
    expect($<HTMLVideoElement>(view, 'video.jp-webrtc-local').srcObject).toBe(devices.streams[0]);
    comm.receive(kernelStats());
    expect($(view, '.jp-webrtc-stats').hidden).toBe(false);
    expect($(view, '.jp-webrtc-stats').closest('[data-testid="webrtc-local-pane"]')).not.toBeNull();
  });

  it('recvonly: no camera (no getUserMedia, preview or picker), the kernel stream in the output', async () => {
    const { model, comm } = createModel({ key: 'clock', mode: 'recvonly' });
    const view = createView(model);
    expect(view.el.querySelector('video.jp-webrtc-local')).toBeNull();
    expect($(view, '.jp-webrtc-camera').closest('label')!.hidden).toBe(true);
    expect($(view, '.jp-webrtc-status').textContent).toBe("idle: press Start to play the kernel's stream");
    const pc = await startPlaying(view, comm);
    expect(devices.constraints).toEqual([]);
    expect(pc.transceivers[0]).toMatchObject({ track: 'video', init: { direction: 'recvonly' } });
    const out = new FakeStream();
    pc.emitTrack(out);
    expect($<HTMLVideoElement>(view, 'video.jp-webrtc-output').srcObject).toBe(out);
    expect(view.el.dataset.state).toBe('playing');
  });

  it('lays the panes out again when the kernel changes the mode; an unknown mode does not start', async () => {
    const { model } = createModel({ key: 'k', mode: 'recvonly' });
    const view = createView(model);
    model.set('mode', 'sendrecv');
    expect(view.el.querySelectorAll('video')).toHaveLength(2);
    expect($(view, '.jp-webrtc-camera').closest('label')!.hidden).toBe(false);
    expect($(view, '.jp-webrtc-status').textContent).toBe('idle: press Start to stream the camera');
    model.set('mode', 'sideways');
    click(view, '.jp-webrtc-start');
    await flush();
    expect(FakePeerConnection.instances).toEqual([]);
    expect($(view, '.jp-webrtc-error').textContent).toContain('unknown stream mode "sideways"');
  });

  it('Start: camera, offer over the comm, answer, playing with both videos', async () => {
    const { model, comm } = createModel({
      key: 'edges',
      media_constraints: { video: { width: 640, height: 480 } },
    });
    const view = createView(model);
    click(view, '.jp-webrtc-start');
    expect(view.el.dataset.state).toBe('connecting');
    await flush();
    expect(devices.constraints).toEqual([{ video: { width: 640, height: 480 }, audio: false }]);
    const pc = FakePeerConnection.last();
    expect(comm.custom()).toEqual([{ type: 'offer', sdp: pc.localDescription!.sdp, ice_servers: [] }]);
    expect($<HTMLVideoElement>(view, 'video.jp-webrtc-local').srcObject).toBe(devices.streams[0]);
    expect($<HTMLButtonElement>(view, '.jp-webrtc-start').disabled).toBe(true);
    expect($<HTMLButtonElement>(view, '.jp-webrtc-stop').disabled).toBe(false);

    comm.receive({
      type: 'candidate',
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' },
    });
    comm.receive({ type: 'answer', sdp: 'v=0\r\nanswer' });
    await flush();
    expect(pc.remoteDescription).toEqual({ type: 'answer', sdp: 'v=0\r\nanswer' });
    expect(pc.addedCandidates).toHaveLength(1);
    const out = new FakeStream();
    pc.emitTrack(out);
    pc.setConnectionState('connected');
    expect(view.el.dataset.state).toBe('playing');
    expect($(view, '.jp-webrtc-status').textContent).toBe('playing');
    expect($<HTMLVideoElement>(view, 'video.jp-webrtc-output').srcObject).toBe(out);
  });

  it('Stop: sends stop, ends the camera tracks, clears the videos', async () => {
    const { model, comm } = createModel({ key: 'k' });
    const view = createView(model);
    const pc = await startPlaying(view, comm);
    click(view, '.jp-webrtc-stop');
    expect(comm.custom().map((m) => m.type)).toEqual(['offer', 'stop']);
    expect(pc.closed).toBe(true);
    expect(devices.streams[0].tracks.every((t) => t.readyState === 'ended')).toBe(true);
    expect(view.el.dataset.state).toBe('stopped');
    expect($(view, '.jp-webrtc-status').textContent).toMatch(/^stopped/);
    expect($<HTMLVideoElement>(view, 'video.jp-webrtc-local').srcObject).toBeNull();
  });

  it("sends the site's quality caps with each Start, and applies the widget's over them to the camera sender", async () => {
    settings.update({ quality: { maxWidth: 160, bitrateKbps: 400 } });
    const { model, comm } = createModel({ quality: { max_width: null, bitrate_kbps: 900 } });
    const view = createView(model);
    const pc = await startPlaying(view, comm);
    await flush();
    const site = { max_width: 160, max_height: null, max_fps: null, bitrate_kbps: 400, degradation: null };
    expect(comm.siteQuality()).toEqual([site]);
    // The fake camera is 320x240: the site's width cap halves it, the widget's bitrate wins.
    const { sender } = pc.transceivers[0].t;
    expect(sender.parameters.encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 2, maxBitrate: 900_000 });

    // The kernel changes the widget's quality: applied at once, no new offer.
    model.set('quality', { max_width: 80 });
    await flush();
    expect(sender.parameters.encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 4, maxBitrate: 400_000 });

    // A settings change reaches this page's sender and the kernel's.
    model.set('quality', null);
    settings.update({ quality: { maxHeight: 60, degradation: 'maintain-framerate' } });
    await flush();
    expect(sender.parameters.encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 4 });
    expect(devices.streams[0].tracks[0].contentHint).toBe('motion');
    expect(comm.siteQuality()).toEqual([
      site,
      { max_width: null, max_height: 60, max_fps: null, bitrate_kbps: null, degradation: 'maintain-framerate' },
    ]);
    expect(comm.custom().map((m) => m.type)).toEqual(['offer']);
  });

  it('uses the widget ice_servers, else the site setting', async () => {
    settings.update({ iceServers: [{ urls: 'stun:site' }] });
    const a = createModel();
    click(createView(a.model), '.jp-webrtc-start');
    await flush();
    expect(FakePeerConnection.last().config.iceServers).toEqual([{ urls: 'stun:site' }]);
    // The kernel's side gets the same servers with the offer.
    expect(a.comm.custom()[0]).toMatchObject({ type: 'offer', ice_servers: [{ urls: 'stun:site' }] });
    const b = createModel({ ice_servers: [{ urls: 'turn:own', username: 'u', credential: 'c' }] });
    click(createView(b.model), '.jp-webrtc-start');
    await flush();
    expect(FakePeerConnection.last().config.iceServers).toEqual([{ urls: 'turn:own', username: 'u', credential: 'c' }]);
  });

  it.each([
    ['NotFoundError', 'camera missing'],
    ['NotAllowedError', 'camera access denied'],
  ])('shows %s as a clear error', async (name, text) => {
    devices.error = namedError(name);
    const { model, comm } = createModel();
    const view = createView(model);
    click(view, '.jp-webrtc-start');
    await flush();
    expect(view.el.dataset.state).toBe('error');
    expect($(view, '.jp-webrtc-status').textContent).toMatch(new RegExp(`^error: ${text}`));
    expect($(view, '.jp-webrtc-error').hidden).toBe(false);
    expect($(view, '.jp-webrtc-error').textContent).toContain(text);
    expect(comm.custom()).toEqual([]);
  });

  it('shows connection failure, kernel errors and kernel stops', async () => {
    const { model, comm } = createModel();
    const view = createView(model);
    let pc = await startPlaying(view, comm);
    comm.receive({ type: 'error', message: 'bad candidate', fatal: false });
    expect(view.el.dataset.state).toBe('playing');
    expect($(view, '.jp-webrtc-error').textContent).toContain('kernel: bad candidate');
    pc.setConnectionState('failed');
    await flush(); // the doctor reads getStats first
    expect(view.el.dataset.state).toBe('error');
    expect($(view, '.jp-webrtc-status').textContent).toMatch(/^error: connection failed/);

    pc = await startPlaying(view, comm);
    expect($(view, '.jp-webrtc-error').hidden).toBe(true); // a new start clears old errors
    comm.receive({ type: 'error', message: 'peer closed', fatal: true });
    expect(view.el.dataset.state).toBe('error');
    expect($(view, '.jp-webrtc-error').textContent).toContain('kernel: peer closed');

    pc = await startPlaying(view, comm);
    comm.receive({ type: 'stopped', reason: 'shutdown' });
    expect(view.el.dataset.state).toBe('stopped');
    expect(pc.closed).toBe(true);
  });

  it('ignores malformed kernel messages with a warning', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { model, comm } = createModel();
    const view = createView(model);
    const pc = await startPlaying(view, comm);
    comm.receive({ type: 'stopped' });
    comm.receive({ type: 'answer', sdp: 'x'.repeat(70000) });
    comm.receive('stop');
    comm.receive({ type: 'error', message: 'x', fatal: 'yes' });
    expect(warn).toHaveBeenCalledTimes(4);
    expect(String(warn.mock.calls[0][0])).toContain('malformed');
    expect(view.el.dataset.state).toBe('playing');
    expect(pc.closed).toBe(false);
  });

  it('shows the stats overlay per show_stats, else per the site setting', async () => {
    const { model, comm } = createModel();
    const view = createView(model);
    await startPlaying(view, comm);
    const stats = $(view, '.jp-webrtc-stats');
    comm.receive(kernelStats({ transform_ms: 4.25 }));
    expect(stats.hidden).toBe(true);
    settings.update({ showStats: true });
    expect(stats.hidden).toBe(false);
    const decoded = stats.querySelector<HTMLElement>('[data-stage="kernel.decoded"]')!;
    expect(decoded.dataset).toMatchObject({ fps: '30', total: '895', ms: '1.2' });
    expect(decoded.textContent).toBe('decoded30.08951.2 ms');
    expect(stats.querySelector<HTMLElement>('[data-stage="kernel.transformed"]')!.dataset.ms).toBe('4.25');
    expect(stats.querySelector<HTMLElement>('[data-stat="kernel.rtt_ms"]')!.dataset.value).toBe('0.8');
    // the browser's figures are not known yet: no numbers, a dash
    const captured = stats.querySelector<HTMLElement>('[data-stage="camera.captured"]')!;
    expect(captured.dataset.total).toBeUndefined();
    expect(captured.textContent).toBe('captured––');
    model.set('show_stats', false);
    expect(stats.hidden).toBe(true);
    model.set('show_stats', true);
    settings.update({ showStats: false });
    expect(stats.hidden).toBe(false);
    click(view, '.jp-webrtc-stop');
    expect(stats.hidden).toBe(true);
  });

  it("adds the browser's getStats() figures once a second while playing, and clears them on stop", async () => {
    const { model, comm } = createModel();
    const view = createView(model);
    settings.update({ showStats: true });
    WebRtcStreamerModel.browserStatsMs = 5;
    try {
      await startPlaying(view, comm);
      const pc = FakePeerConnection.last();
      const report = (at: number, framesDecoded: number) =>
        new Map<string, Record<string, unknown>>([
          [
            'in',
            { type: 'inbound-rtp', kind: 'video', timestamp: at, framesReceived: framesDecoded + 1, framesDecoded },
          ],
          ['src', { type: 'media-source', kind: 'video', timestamp: at, frames: 100 + framesDecoded }],
        ]);
      const next = () => new Promise<void>((resolve) => model.browserStatsChanged.connect(() => resolve()));
      pc.statsReport = report(1000, 10);
      await next();
      pc.statsReport = report(2000, 40);
      await next();
      const stats = $(view, '.jp-webrtc-stats');
      const decoded = stats.querySelector<HTMLElement>('[data-stage="output.decoded"]')!;
      expect(decoded.dataset).toMatchObject({ fps: '30', total: '40' });
      expect(stats.querySelector<HTMLElement>('[data-stage="output.received"]')!.dataset.total).toBe('41');
      expect(stats.querySelector<HTMLElement>('[data-stage="camera.captured"]')!.dataset.total).toBe('140');
      click(view, '.jp-webrtc-stop');
      expect(model.browserStats).toBeNull();
      expect(stats.hidden).toBe(true);
      const calls = pc.getStatsCalls;
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(pc.getStatsCalls).toBe(calls); // no reading once stopped
    } finally {
      WebRtcStreamerModel.browserStatsMs = 1000;
    }
  });

  it('reads getStats() only while the stats overlay is shown', async () => {
    const { model, comm } = createModel();
    const view = createView(model);
    settings.update({ showStats: false });
    WebRtcStreamerModel.browserStatsMs = 5;
    try {
      await startPlaying(view, comm);
      const pc = FakePeerConnection.last();
      pc.statsReport = new Map<string, Record<string, unknown>>([
        ['in', { type: 'inbound-rtp', kind: 'video', timestamp: 1000, framesReceived: 2, framesDecoded: 1 }],
      ]);
      // several polling periods pass while playing with the overlay hidden: nothing is read
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(pc.getStatsCalls).toBe(0);
      // the widget turns it on: reading starts
      const read = new Promise<void>((resolve) => model.browserStatsChanged.connect(() => resolve()));
      model.set('show_stats', true);
      await read;
      expect(pc.getStatsCalls).toBeGreaterThan(0);
      // and off again: reading stops
      model.set('show_stats', false);
      const calls = pc.getStatsCalls;
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(pc.getStatsCalls).toBe(calls);
    } finally {
      WebRtcStreamerModel.browserStatsMs = 1000;
    }
  });

  it('shows transform_error from the kernel', () => {
    const { model } = createModel();
    const view = createView(model);
    model.set('transform_error', 'TypeError: x is undefined');
    expect($(view, '.jp-webrtc-error').textContent).toBe('transform error: TypeError: x is undefined');
    model.set('transform_error', '');
    expect($(view, '.jp-webrtc-error').hidden).toBe(true);
  });

  it('shows the log under the videos, newest last; Clear asks the kernel to empty it', () => {
    const { model, comm } = createModel();
    const view = createView(model);
    const log = $(view, '.jp-webrtc-log') as HTMLDetailsElement;
    expect(log.hidden).toBe(true);
    model.set('log', ['12:00:00.000 hello', '12:00:01.000 frame 40: transform error: Error: late']);
    expect(log.hidden).toBe(false);
    expect(log.open).toBe(true);
    // Under the videos.
    expect($(view, '.jp-webrtc-videos').compareDocumentPosition(log)).toBe(Node.DOCUMENT_POSITION_FOLLOWING);
    const lines = [...view.el.querySelectorAll('.jp-webrtc-log-line')].map((el) => el.textContent);
    expect(lines).toEqual(['12:00:00.000 hello', '12:00:01.000 frame 40: transform error: Error: late']);
    expect($(view, '.jp-webrtc-log-summary').textContent).toBe('Log (2 lines)');
    ($(view, '.jp-webrtc-log-clear') as HTMLButtonElement).click();
    expect(comm.custom()).toEqual([{ type: 'clear_log' }]);
    model.set('log', []);
    expect(log.hidden).toBe(true);
  });

  it('shows at most MAX_LOG_LINES log lines of at most MAX_LOG_LINE_LENGTH, whatever the kernel sends', () => {
    const { model } = createModel();
    const view = createView(model);
    const sent = Array.from({ length: MAX_LOG_LINES + 3 }, (_, i) => `line ${i}`);
    sent[MAX_LOG_LINES + 2] = 'z'.repeat(MAX_LOG_LINE_LENGTH + 10);
    model.set('log', [...sent, 42]);
    const lines = [...view.el.querySelectorAll('.jp-webrtc-log-line')].map((el) => el.textContent ?? '');
    expect(lines).toHaveLength(MAX_LOG_LINES);
    expect(lines[0]).toBe('line 3');
    expect(lines[MAX_LOG_LINES - 1]).toHaveLength(MAX_LOG_LINE_LENGTH);
    model.set('log', 'not a list');
    expect(view.el.querySelectorAll('.jp-webrtc-log-line')).toHaveLength(0);
  });

  it('remembers the camera per key across views (page reloads)', async () => {
    devices.devices = [videoInput('cam-a', 'Front'), videoInput('cam-b', 'Back')];
    const first = createModel({ key: 'edges' });
    const view = createView(first.model);
    await flush();
    const select = $<HTMLSelectElement>(view, '.jp-webrtc-camera');
    expect([...select.options].map((o) => o.textContent)).toEqual(['Default camera', 'Front', 'Back']);
    select.value = 'cam-b';
    select.dispatchEvent(new Event('change'));
    expect(localStorage.getItem('jupyterlab-webrtc:camera:edges')).toBe('cam-b');

    view.remove();
    const again = createModel({ key: 'edges' });
    const reloaded = createView(again.model);
    await flush();
    expect($<HTMLSelectElement>(reloaded, '.jp-webrtc-camera').value).toBe('cam-b');
    click(reloaded, '.jp-webrtc-start');
    await flush();
    expect(devices.constraints[0]).toEqual({ video: { deviceId: { exact: 'cam-b' } }, audio: false });

    const other = createModel({ key: 'other' });
    const otherView = createView(other.model);
    await flush();
    expect($<HTMLSelectElement>(otherView, '.jp-webrtc-camera').value).toBe('');
  });

  it('leaving the page while streaming stops the stream', async () => {
    const { model, comm } = createModel();
    const view = createView(model);
    const pc = await startPlaying(view, comm);
    window.dispatchEvent(new Event('pagehide'));
    expect(comm.custom().map((m) => m.type)).toEqual(['offer', 'stop']);
    expect(pc.closed).toBe(true);
    expect(view.el.dataset.state).toBe('stopped');
  });
});

describe('a removed view', () => {
  it('is disconnected from the model, its traits and the settings', async () => {
    devices.devices = [videoInput('cam-a', 'Front'), videoInput('cam-b', 'Back')];
    const { model, comm } = createModel({ key: 'k' });
    const gone = createView(model);
    const kept = createView(model);
    await flush();
    gone.remove();
    const status = $(gone, '.jp-webrtc-status').textContent;

    const pc = await startPlaying(kept, comm);
    pc.emitTrack(new FakeStream());
    comm.receive({ type: 'error', message: 'bad candidate', fatal: false });
    settings.update({ showStats: true });
    comm.receive(kernelStats({ fps_in: 30 }));
    model.set('show_stats', true);
    model.set('transform_error', 'TypeError: x');
    model.chooseCamera('cam-b');

    expect(gone.el.dataset.state).toBe('idle');
    expect($(gone, '.jp-webrtc-status').textContent).toBe(status);
    expect($<HTMLVideoElement>(gone, 'video.jp-webrtc-local').srcObject ?? null).toBeNull();
    expect($<HTMLVideoElement>(gone, 'video.jp-webrtc-output').srcObject ?? null).toBeNull();
    expect($(gone, '.jp-webrtc-error').hidden).toBe(true);
    expect($(gone, '.jp-webrtc-stats').hidden).toBe(true);
    expect($<HTMLSelectElement>(gone, '.jp-webrtc-camera').value).toBe('');
    // ...while the view still shown hears everything.
    expect(kept.el.dataset.state).toBe('playing');
    expect($(kept, '.jp-webrtc-error').textContent).toContain('kernel: bad candidate');
    expect($(kept, '.jp-webrtc-error').textContent).toContain('transform error: TypeError: x');
    expect($(kept, '.jp-webrtc-stats').hidden).toBe(false);
    expect($<HTMLSelectElement>(kept, '.jp-webrtc-camera').value).toBe('cam-b');
  });

  it('stops listening for device changes', async () => {
    const { model } = createModel();
    const view = createView(model);
    expect(devices.listeners.size).toBe(1);
    view.remove();
    expect(devices.listeners.size).toBe(0);
  });
});

describe('the session belongs to the model', () => {
  const types = (comm: FakeComm) => comm.custom().map((m) => m.type);
  const video = (view: WebRtcStreamerView, which: 'local' | 'output') =>
    $<HTMLVideoElement>(view, `video.jp-webrtc-${which}`).srcObject;
  const tracksEnded = (stream: FakeStream) => stream.tracks.every((t) => t.readyState === 'ended');

  it('two views share one session: one camera, one peer, one offer', async () => {
    const { model, comm } = createModel();
    const one = createView(model);
    const two = createView(model);
    expect(one.el.dataset.sessionId).toBe('0');
    click(one, '.jp-webrtc-start');
    expect(two.el.dataset.state).toBe('connecting');
    expect($<HTMLButtonElement>(two, '.jp-webrtc-start').disabled).toBe(true);
    expect($<HTMLButtonElement>(two, '.jp-webrtc-stop').disabled).toBe(false);
    await flush();
    click(two, '.jp-webrtc-start'); // already streaming: nothing new
    await flush();
    expect(devices.streams).toHaveLength(1);
    expect(FakePeerConnection.instances).toHaveLength(1);
    expect(types(comm)).toEqual(['offer']);
    const pc = FakePeerConnection.last();
    comm.receive({ type: 'answer', sdp: 'v=0\r\nanswer' });
    await flush();
    const out = new FakeStream();
    pc.emitTrack(out);
    pc.setConnectionState('connected');
    for (const view of [one, two]) {
      expect(view.el.dataset.state).toBe('playing');
      expect(video(view, 'local')).toBe(devices.streams[0]);
      expect(video(view, 'output')).toBe(out);
    }
    expect(one.el.dataset.sessionId).not.toBe('0');
    expect(two.el.dataset.sessionId).toBe(one.el.dataset.sessionId);

    settings.update({ showStats: true });
    comm.receive(kernelStats({ fps_in: 30 }));
    for (const view of [one, two]) {
      expect($(view, '[data-stage="kernel.received"]').dataset.total).toBe('900');
    }

    click(two, '.jp-webrtc-stop'); // Stop in either view stops the one session
    expect(types(comm)).toEqual(['offer', 'stop']);
    expect(pc.closed).toBe(true);
    expect(tracksEnded(devices.streams[0])).toBe(true);
    for (const view of [one, two]) {
      expect(view.el.dataset.state).toBe('stopped');
      expect(video(view, 'local')).toBeNull();
      expect(video(view, 'output')).toBeNull();
      expect($(view, '.jp-webrtc-stats').hidden).toBe(true);
      expect($<HTMLButtonElement>(view, '.jp-webrtc-start').disabled).toBe(false);
    }
  });

  it('a view rendered while streaming shows the running session (no restart)', async () => {
    const { model, comm } = createModel();
    const first = createView(model);
    const pc = await startPlaying(first, comm);
    const out = new FakeStream();
    pc.emitTrack(out);
    comm.receive({ type: 'error', message: 'bad candidate', fatal: false });
    const second = createView(model);
    expect(second.el.dataset.state).toBe('playing');
    expect($(second, '.jp-webrtc-status').textContent).toBe('playing');
    expect(second.el.dataset.sessionId).toBe(first.el.dataset.sessionId);
    expect(video(second, 'local')).toBe(devices.streams[0]);
    expect(video(second, 'output')).toBe(out);
    expect($(second, '.jp-webrtc-error').textContent).toContain('kernel: bad candidate');
    expect($<HTMLButtonElement>(second, '.jp-webrtc-start').disabled).toBe(true);
    await flush();
    expect(types(comm)).toEqual(['offer']);
    expect(devices.streams).toHaveLength(1);
  });

  it('removing one view of two keeps streaming', async () => {
    jest.useFakeTimers();
    const { model, comm } = createModel();
    const one = createView(model);
    const two = createView(model);
    const pc = await startPlaying(one, comm);
    one.remove();
    jest.advanceTimersByTime(10000);
    expect(two.el.dataset.state).toBe('playing');
    expect(types(comm)).toEqual(['offer']);
    expect(pc.closed).toBe(false);
    expect(tracksEnded(devices.streams[0])).toBe(false);
    expect(video(two, 'local')).toBe(devices.streams[0]);
  });

  it('a new view within the grace period keeps the session (a re-run cell)', async () => {
    jest.useFakeTimers();
    const { model, comm } = createModel({ key: 'edges' });
    const old = createView(model);
    const pc = await startPlaying(old, comm);
    const sessionId = old.el.dataset.sessionId;
    old.remove(); // the re-run clears the old output...
    jest.advanceTimersByTime(1000);
    const rerun = createView(model); // ...and displays the same model again
    jest.advanceTimersByTime(10000);
    await flush();
    expect(types(comm)).toEqual(['offer']); // no stop, no second offer
    expect(FakePeerConnection.instances).toHaveLength(1);
    expect(pc.closed).toBe(false);
    expect(tracksEnded(devices.streams[0])).toBe(false);
    expect(rerun.el.dataset.state).toBe('playing');
    expect(rerun.el.dataset.sessionId).toBe(sessionId);
    expect(video(rerun, 'local')).toBe(devices.streams[0]);

    // The kernel's messages still reach the session.
    comm.receive({ type: 'stopped', reason: 'shutdown' });
    expect(rerun.el.dataset.state).toBe('stopped');
    expect(pc.closed).toBe(true);
    expect(types(comm)).toEqual(['offer']); // kernel-initiated: no stop sent
  });

  it('a re-run cell that takes longer than the grace period keeps the session while the kernel is busy', async () => {
    jest.useFakeTimers();
    const { model, comm } = createModel({ key: 'edges' });
    const old = createView(model);
    await startPlaying(old, comm);
    manager.kernel.status = 'busy'; // the cell is re-running (type-checking)
    old.remove();
    jest.advanceTimersByTime(6000);
    expect(model.streamState).toBe('playing');
    const rerun = createView(model);
    manager.kernel.status = 'idle';
    jest.advanceTimersByTime(10000);
    expect(rerun.el.dataset.state).toBe('playing');
    expect(types(comm)).toEqual(['offer']);
  });

  it('a busy kernel delays the stop for a missing view only up to a bound', async () => {
    jest.useFakeTimers();
    const { model, comm } = createModel();
    const view = createView(model);
    await startPlaying(view, comm);
    manager.kernel.status = 'busy';
    view.remove();
    jest.advanceTimersByTime(WebRtcStreamerModel.busyKernelWaitMs - 2000);
    expect(model.streamState).toBe('playing');
    jest.advanceTimersByTime(4000);
    manager.kernel.status = 'idle';
    expect(model.streamState).toBe('stopped');
    expect(types(comm)).toEqual(['offer', 'stop']);
  });

  it('removing the only view stops the session after the grace period', async () => {
    jest.useFakeTimers();
    const { model, comm } = createModel();
    const view = createView(model);
    const pc = await startPlaying(view, comm);
    view.remove();
    jest.advanceTimersByTime(1400);
    expect(model.streamState).toBe('playing');
    expect(types(comm)).toEqual(['offer']);
    jest.advanceTimersByTime(200);
    expect(model.streamState).toBe('stopped');
    expect(types(comm)).toEqual(['offer', 'stop']);
    expect(pc.closed).toBe(true);
    expect(tracksEnded(devices.streams[0])).toBe(true);

    // A view rendered later shows the stopped session; Start makes a new one.
    const later = createView(model);
    expect(later.el.dataset.state).toBe('stopped');
    expect(video(later, 'local') ?? null).toBeNull(); // jsdom: unset srcObject is undefined
    const oldId = Number(later.el.dataset.sessionId);
    click(later, '.jp-webrtc-start');
    expect(Number(later.el.dataset.sessionId)).toBeGreaterThan(oldId);
    await flush();
    expect(types(comm)).toEqual(['offer', 'stop', 'offer']);
  });

  it('removing the only view while the camera opens releases it after the grace period', async () => {
    jest.useFakeTimers();
    devices.hold = true;
    const { model, comm } = createModel();
    const view = createView(model);
    click(view, '.jp-webrtc-start');
    view.remove();
    jest.advanceTimersByTime(1600);
    expect(model.streamState).toBe('stopped');
    devices.release();
    await flush();
    expect(tracksEnded(devices.streams[0])).toBe(true);
    expect(FakePeerConnection.instances).toHaveLength(0);
    expect(types(comm)).toEqual(['stop']);
  });

  it('the kernel closing the comm stops the session without sending stop', async () => {
    const { model, comm } = createModel();
    const one = createView(model);
    const two = createView(model);
    const pc = await startPlaying(one, comm);
    const destroyed = jest.fn();
    model.on('destroy', destroyed);
    comm.kernelClose();
    expect(destroyed).toHaveBeenCalled();
    expect(pc.closed).toBe(true);
    expect(tracksEnded(devices.streams[0])).toBe(true);
    expect(types(comm)).toEqual(['offer']);
    expect(one.el.dataset.state).toBe('stopped');
    expect(two.el.dataset.state).toBe('stopped');
    click(two, '.jp-webrtc-start'); // a closed model starts nothing
    await flush();
    expect(devices.streams).toHaveLength(1);
  });

  it('closing the model from the frontend sends stop once, then closes the comm', async () => {
    const { model, comm } = createModel();
    const view = createView(model);
    const pc = await startPlaying(view, comm);
    await model.close();
    expect(types(comm)).toEqual(['offer', 'stop']);
    expect(comm.closed).toBe(true);
    expect(pc.closed).toBe(true);
    expect(tracksEnded(devices.streams[0])).toBe(true);
    expect(view.el.dataset.state).toBe('stopped');
  });

  it('pagehide sends one stop however many views there are', async () => {
    const { model, comm } = createModel();
    const one = createView(model);
    createView(model);
    const pc = await startPlaying(one, comm);
    window.dispatchEvent(new Event('pagehide'));
    window.dispatchEvent(new Event('pagehide'));
    expect(types(comm)).toEqual(['offer', 'stop']);
    expect(pc.closed).toBe(true);
    expect(tracksEnded(devices.streams[0])).toBe(true);
  });

  it('sessions get new ids, unique across models', async () => {
    const a = createModel();
    const b = createModel();
    const viewA = createView(a.model);
    const viewB = createView(b.model);
    await startPlaying(viewA, a.comm);
    const first = Number(viewA.el.dataset.sessionId);
    click(viewA, '.jp-webrtc-stop');
    expect(Number(viewA.el.dataset.sessionId)).toBe(first); // kept after the end
    await startPlaying(viewA, a.comm);
    const second = Number(viewA.el.dataset.sessionId);
    expect(second).toBeGreaterThan(first);
    click(viewB, '.jp-webrtc-start');
    expect(Number(viewB.el.dataset.sessionId)).toBeGreaterThan(second);
  });

  it('a camera chosen in one view shows in the others and is used by Start', async () => {
    devices.devices = [videoInput('cam-a', 'Front'), videoInput('cam-b', 'Back')];
    const { model } = createModel({ key: 'shared' });
    const one = createView(model);
    const two = createView(model);
    await flush();
    const select = $<HTMLSelectElement>(one, '.jp-webrtc-camera');
    select.value = 'cam-b';
    select.dispatchEvent(new Event('change'));
    expect($<HTMLSelectElement>(two, '.jp-webrtc-camera').value).toBe('cam-b');
    click(two, '.jp-webrtc-start');
    await flush();
    expect(devices.constraints).toEqual([{ video: { deviceId: { exact: 'cam-b' } }, audio: false }]);
  });
});

describe('control from the kernel', () => {
  it('reports every state change of the session as browser_status, failures with their reason', async () => {
    const { model, comm } = createModel();
    const view = createView(model);
    await startPlaying(view, comm);
    click(view, '.jp-webrtc-stop');
    expect(comm.browserStatus()).toEqual([
      'connecting: opening the camera',
      "connecting: waiting for the kernel's answer",
      'connecting: establishing the connection',
      'playing',
      'stopped',
    ]);
    devices.error = namedError('NotAllowedError');
    click(view, '.jp-webrtc-start');
    await flush();
    expect(comm.browserStatus().slice(-1)[0]).toMatch(/^error: camera access denied: allow the camera/);
  });

  it('start from the kernel starts as the Start button does, once; while active it reports the state', async () => {
    devices.devices = [videoInput('cam-a', 'Front'), videoInput('cam-b', 'Back')];
    const { model, comm } = createModel({ key: 'from-code' });
    const view = createView(model);
    await flush();
    model.chooseCamera('cam-b');
    comm.receive({ type: 'start' });
    await flush();
    expect(comm.custom().map((m) => m.type)).toEqual(['offer']);
    expect(devices.constraints).toEqual([{ video: { deviceId: { ideal: 'cam-b' } }, audio: false }]);
    expect(view.el.dataset.state).toBe('connecting');
    const reports = comm.browserStatus().length;
    comm.receive({ type: 'start' });
    await flush();
    expect(comm.custom().map((m) => m.type)).toEqual(['offer']); // no second session
    expect(comm.browserStatus().slice(reports)).toEqual(["connecting: waiting for the kernel's answer"]);
  });

  it('start waits for a view rendered after it (display and start() in one cell), else says none is shown', async () => {
    const saved = WebRtcStreamerModel.startViewWaitMs;
    WebRtcStreamerModel.startViewWaitMs = 50;
    try {
      const late = createModel();
      late.comm.receive({ type: 'start' });
      createView(late.model);
      await flush();
      expect(late.comm.custom().map((m) => m.type)).toEqual(['offer']);

      const none = createModel();
      none.comm.receive({ type: 'start' });
      while (none.comm.browserStatus().length === 0) {
        await new Promise((r) => setTimeout(r, 5)); // the model's wait for a view ends
      }
      expect(none.comm.custom()).toEqual([]);
      expect(none.comm.browserStatus()).toEqual([
        'error: no view of the widget is shown: display it (e.g. as the last expression of a cell) before start()',
      ]);
    } finally {
      WebRtcStreamerModel.startViewWaitMs = saved;
    }
  });

  it('choosing another camera (picker or selectCamera) while playing replaces the track: same session, no new offer', async () => {
    devices.devices = [videoInput('cam-a', 'Front'), videoInput('cam-b', 'Back')];
    const { model, comm } = createModel({ key: 'switch' });
    const view = createView(model);
    await flush();
    const pc = await startPlaying(view, comm);
    const sessionId = view.el.dataset.sessionId;
    const first = devices.streams[0];
    const select = $<HTMLSelectElement>(view, '.jp-webrtc-camera');
    expect(select.disabled).toBe(false);
    select.value = 'cam-b';
    select.dispatchEvent(new Event('change'));
    await flush();
    const second = devices.streams[1];
    expect(devices.constraints[1]).toEqual({ video: { deviceId: { exact: 'cam-b' } }, audio: false });
    expect(pc.transceivers[0].t.sender.replaced).toEqual([second.tracks[0]]);
    expect(first.tracks[0].readyState).toBe('ended');
    expect(second.tracks[0].readyState).toBe('live');
    expect($<HTMLVideoElement>(view, 'video.jp-webrtc-local').srcObject).toBe(second);
    expect(comm.custom().map((m) => m.type)).toEqual(['offer']);
    expect(view.el.dataset.sessionId).toBe(sessionId);
    expect(view.el.dataset.state).toBe('playing');

    // selectCamera() in the notebook: the same switch
    comm.receive({ type: 'select_camera', device_id: 'cam-a' });
    await flush();
    expect(devices.constraints[2]).toEqual({ video: { deviceId: { exact: 'cam-a' } }, audio: false });
    expect(pc.transceivers[0].t.sender.replaced).toEqual([second.tracks[0], devices.streams[2].tracks[0]]);
    expect(select.value).toBe('cam-a');
    expect(view.el.dataset.sessionId).toBe(sessionId);

    // a camera that cannot be opened leaves the session as it was, with a notice
    devices.error = namedError('NotReadableError');
    select.value = 'cam-b';
    select.dispatchEvent(new Event('change'));
    await flush();
    expect(devices.streams[2].tracks[0].readyState).toBe('live');
    expect(view.el.dataset.state).toBe('playing');
    expect($(view, '.jp-webrtc-error').textContent).toContain('could not switch the camera: camera unavailable');
  });

  it('switching the camera with audio keeps the microphone: its track stays live, its sender untouched', async () => {
    devices.devices = [videoInput('cam-a', 'Front'), videoInput('cam-b', 'Back')];
    const { model, comm } = createModel({ key: 'switch-av', audio: true });
    const view = createView(model);
    await flush();
    const pc = await startPlaying(view, comm);
    const first = devices.streams[0];
    const [video, audio] = [first.getVideoTracks()[0], first.getAudioTracks()[0]];
    expect(pc.transceivers.map((t) => t.track)).toEqual([video, audio]);
    const select = $<HTMLSelectElement>(view, '.jp-webrtc-camera');
    select.value = 'cam-b';
    select.dispatchEvent(new Event('change'));
    await flush();
    const second = devices.streams[1];
    expect(devices.constraints[1]).toEqual({ video: { deviceId: { exact: 'cam-b' } }, audio: false });
    expect(pc.transceivers[0].t.sender.replaced).toEqual([second.getVideoTracks()[0]]);
    expect(video.readyState).toBe('ended');
    expect(audio.readyState).toBe('live');
    expect(pc.transceivers[1].t.sender.replaced).toEqual([]);
    // the preview shows the new camera; the session's stream keeps the microphone (released at stop)
    const preview = $<HTMLVideoElement>(view, 'video.jp-webrtc-local');
    expect(preview.srcObject).toBe(second);
    expect(preview.muted).toBe(true);
    expect(second.getTracks()).toEqual([second.getVideoTracks()[0], audio]);
    expect(comm.custom().map((m) => m.type)).toEqual(['offer']);
    model.stopStreaming();
    expect(audio.readyState).toBe('ended');
    expect(second.getVideoTracks()[0].readyState).toBe('ended');
  });

  it('choosing another microphone while playing replaces the audio track: same session, no new offer', async () => {
    devices.devices = [
      videoInput('cam-a', 'Front'),
      { deviceId: 'mic-1', label: 'Mic one', kind: 'audioinput', groupId: 'g' } as MediaDeviceInfo,
      { deviceId: 'mic-2', label: 'Mic two', kind: 'audioinput', groupId: 'g' } as MediaDeviceInfo,
    ];
    const { model, comm } = createModel({
      key: 'switch-mic',
      audio: true,
      media_constraints: { audio: { echoCancellation: false } },
    });
    const view = createView(model);
    await flush();
    const picker = $<HTMLSelectElement>(view, '.jp-webrtc-microphone');
    click(view, '.jp-webrtc-start');
    await flush();
    expect(picker.disabled).toBe(true); // connecting
    const pc = FakePeerConnection.last();
    comm.receive({ type: 'answer', sdp: 'v=0\r\nanswer' });
    await flush();
    pc.setConnectionState('connected');
    expect(picker.disabled).toBe(false);
    const sessionId = view.el.dataset.sessionId;
    const first = devices.streams[0];
    const [video, audio] = [first.getVideoTracks()[0], first.getAudioTracks()[0]];
    picker.value = 'mic-2';
    picker.dispatchEvent(new Event('change'));
    await flush();
    expect(devices.constraints[1]).toEqual({
      audio: { echoCancellation: false, deviceId: { exact: 'mic-2' } },
      video: false,
    });
    const opened = devices.streams[1].getAudioTracks()[0];
    expect(pc.transceivers[1].t.sender.replaced).toEqual([opened]);
    expect(pc.transceivers[0].t.sender.replaced).toEqual([]);
    expect(audio.readyState).toBe('ended');
    expect(video.readyState).toBe('live');
    expect(opened.readyState).toBe('live');
    expect(first.getTracks()).toEqual([video, opened]);
    expect($<HTMLVideoElement>(view, 'video.jp-webrtc-local').muted).toBe(true);
    expect(comm.custom().map((m) => m.type)).toEqual(['offer']);
    expect(view.el.dataset.sessionId).toBe(sessionId);
    expect(view.el.dataset.state).toBe('playing');

    // a microphone that cannot be opened leaves the session as it was, with a notice
    devices.error = namedError('NotReadableError');
    picker.value = 'mic-1';
    picker.dispatchEvent(new Event('change'));
    await flush();
    expect(pc.transceivers[1].t.sender.replaced).toEqual([opened]);
    expect(opened.readyState).toBe('live');
    expect(video.readyState).toBe('live');
    expect(view.el.dataset.state).toBe('playing');
    expect(view.el.dataset.sessionId).toBe(sessionId);
    expect($(view, '.jp-webrtc-error').textContent).toContain(
      'could not switch the microphone: microphone unavailable',
    );
    // a sender that refuses the track: the new microphone is released, the old one goes on
    devices.error = null;
    pc.transceivers[1].t.sender.replaceTrack = () => Promise.reject(new Error('refused'));
    picker.value = 'mic-1';
    picker.dispatchEvent(new Event('change'));
    await flush();
    expect(devices.streams[2].getAudioTracks()[0].readyState).toBe('ended');
    expect(opened.readyState).toBe('live');
    expect($(view, '.jp-webrtc-error').textContent).toContain('could not switch the microphone: refused');
    expect(comm.custom().map((m) => m.type)).toEqual(['offer']);
  });
});

describe('the record button', () => {
  it('is enabled while playing, asks the kernel to start and stop, and shows the recording trait', async () => {
    const { model, comm } = createModel({ key: 'rec' });
    const view = createView(model);
    const button = $<HTMLButtonElement>(view, '.jp-webrtc-record');
    const files = $(view, '.jp-webrtc-record-files');
    expect(button.disabled).toBe(true);
    expect(files.hidden).toBe(true);
    await startPlaying(view, comm);
    expect(button.disabled).toBe(false);
    button.click();
    expect(comm.custom().pop()).toEqual({ type: 'record', action: 'start' });
    // what the button shows follows the kernel's trait, not the click
    expect(button.dataset.recording).toBe('false');
    model.set('recording', { active: true, files: ['rec-1-input.webm', 'rec-1-output.webm'] });
    expect(button.dataset.recording).toBe('true');
    expect(button.getAttribute('aria-pressed')).toBe('true');
    expect(files.textContent).toBe('recording: rec-1-input.webm, rec-1-output.webm');
    button.click();
    expect(comm.custom().pop()).toEqual({ type: 'record', action: 'stop' });
    model.set('recording', { active: false, files: ['rec-1-input.webm', 'rec-1-output.webm'] });
    expect(files.textContent).toBe('recorded: rec-1-input.webm, rec-1-output.webm');
    expect(button.textContent).toMatch(/Record/);
  });

  it('reads a malformed or oversized recording trait safely', () => {
    const { model } = createModel({ key: 'rec' });
    model.set('recording', { active: 'yes', files: [1, 'a.webm'] });
    expect(model.recording).toEqual({ active: false, files: ['a.webm'] });
    model.set('recording', null);
    expect(model.recording).toEqual({ active: false, files: [] });
    model.set('recording', { active: true, files: Array(20).fill('x'.repeat(MAX_RECORDING_PATH_LENGTH + 5)) });
    expect(model.recording.files).toHaveLength(MAX_RECORDING_FILES);
    expect(model.recording.files[0]).toHaveLength(MAX_RECORDING_PATH_LENGTH);
  });
});

describe('annotations overlay in the view', () => {
  const annotations = { type: 'annotations', timestamp: 5, rtp: null, width: 640, height: 480, items: [] };

  it('lies over the output video, over the preview in sendonly, and moves with the mode', () => {
    const { model } = createModel({ key: 'o', mode: 'sendrecv' });
    const view = createView(model);
    const overlay = () => $(view, '[data-testid="webrtc-overlay"]');
    expect(overlay().previousElementSibling).toBe($(view, 'video.jp-webrtc-output'));
    model.set('mode', 'sendonly');
    expect(overlay().previousElementSibling).toBe($(view, 'video.jp-webrtc-local'));
    model.set('mode', 'recvonly');
    expect(overlay().previousElementSibling).toBe($(view, 'video.jp-webrtc-output'));
  });

  it("hands the running session's annotations to the overlay; a malformed message is shown, not drawn", async () => {
    const { model, comm } = createModel({ key: 'o2' });
    const view = createView(model);
    const received: unknown[] = [];
    model.annotationsReceived.connect((_, message) => received.push(message));
    comm.receive(annotations);
    expect(received).toEqual([]); // no session: nothing to draw on
    await startPlaying(view, comm);
    comm.receive(annotations);
    expect(received).toEqual([annotations]);
    expect($(view, '[data-testid="webrtc-overlay"]').dataset.state).toBe('pending');
    comm.receive({ ...annotations, items: [{ kind: 'box', x: 'left' }] });
    expect(received).toHaveLength(1);
    expect($(view, '.jp-webrtc-error').textContent).toContain(
      'malformed annotations from the kernel: annotations.items[0]',
    );
    click(view, '.jp-webrtc-stop');
    expect($(view, '[data-testid="webrtc-overlay"]').dataset.state).toBe('');
  });
});
