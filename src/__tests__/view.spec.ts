import { SettingsStore } from '../settings';
import { WebRtcStreamerModel } from '../streamer/model';
import { streamerEnvironment, WebRtcStreamerView } from '../streamer/view';
import { MODULE_NAME, MODULE_VERSION } from '../version';
import {
  FakeMediaDevices,
  FakePeerConnection,
  FakeStream,
  flush,
  namedError,
  VIDEO_CAPABILITIES,
  videoInput
} from './fakes';

class FakeComm {
  comm_id = 'comm-1';
  target_name = 'jupyter.widget';
  sent: any[] = [];
  private _onMsg: ((msg: any) => void) | null = null;
  send(data: any): string {
    this.sent.push(data);
    return 'msg-id';
  }
  on_msg(cb: (msg: any) => void): void {
    this._onMsg = cb;
  }
  on_close(): void {
    /* not needed */
  }
  open(): string {
    return '';
  }
  close(): string {
    return '';
  }
  /** A custom message from the kernel. */
  receive(content: unknown): void {
    this._onMsg?.({ content: { comm_id: this.comm_id, data: { method: 'custom', content } }, buffers: [] });
  }
  custom(): any[] {
    return this.sent.filter(d => d.method === 'custom').map(d => d.content);
  }
}

const manager = { callbacks: () => ({}) };
let devices: FakeMediaDevices;
let settings: SettingsStore;
const views: WebRtcStreamerView[] = [];

function createModel(state: Record<string, unknown> = {}) {
  const comm = new FakeComm();
  const model = new WebRtcStreamerModel(state, {
    model_id: `model-${Math.random()}`,
    widget_manager: manager as any,
    comm: comm as any
  });
  return { model, comm };
}

function createView(model: WebRtcStreamerModel): WebRtcStreamerView {
  const view = new WebRtcStreamerView({ model, options: {} } as any);
  view.render();
  document.body.appendChild(view.el);
  views.push(view);
  return view;
}

const $ = <T extends Element = HTMLElement>(view: WebRtcStreamerView, selector: string) => {
  const el = view.el.querySelector<T>(selector);
  if (!el) {
    throw new Error(`no ${selector}`);
  }
  return el;
};

const click = (view: WebRtcStreamerView, selector: string) =>
  $<HTMLButtonElement>(view, selector).click();

beforeEach(() => {
  FakePeerConnection.instances = [];
  devices = new FakeMediaDevices();
  settings = new SettingsStore();
  localStorage.clear();
  streamerEnvironment.create = () => ({
    devices,
    createPeerConnection: config => new FakePeerConnection(config),
    getCodecCapabilities: () => VIDEO_CAPABILITIES,
    makeStream: () => new FakeStream() as unknown as MediaStream,
    settings
  });
});

afterEach(() => {
  for (const view of views.splice(0)) {
    view.remove();
  }
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

  it('Start: camera, offer over the comm, answer, playing with both videos', async () => {
    const { model, comm } = createModel({
      key: 'edges',
      media_constraints: { video: { width: 640, height: 480 } }
    });
    const view = createView(model);
    click(view, '.jp-webrtc-start');
    expect(view.el.dataset.state).toBe('connecting');
    await flush();
    expect(devices.constraints).toEqual([{ video: { width: 640, height: 480 }, audio: false }]);
    const pc = FakePeerConnection.last();
    expect(comm.custom()).toEqual([{ type: 'offer', sdp: pc.localDescription!.sdp }]);
    expect($<HTMLVideoElement>(view, 'video.jp-webrtc-local').srcObject).toBe(devices.streams[0]);
    expect($<HTMLButtonElement>(view, '.jp-webrtc-start').disabled).toBe(true);
    expect($<HTMLButtonElement>(view, '.jp-webrtc-stop').disabled).toBe(false);

    comm.receive({ type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' } });
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
    expect(comm.custom().map(m => m.type)).toEqual(['offer', 'stop']);
    expect(pc.closed).toBe(true);
    expect(devices.streams[0].tracks.every(t => t.readyState === 'ended')).toBe(true);
    expect(view.el.dataset.state).toBe('stopped');
    expect($(view, '.jp-webrtc-status').textContent).toMatch(/^stopped/);
    expect($<HTMLVideoElement>(view, 'video.jp-webrtc-local').srcObject).toBeNull();
  });

  it('uses the widget ice_servers, else the site setting', async () => {
    settings.update({ iceServers: [{ urls: 'stun:site' }] });
    const a = createModel();
    click(createView(a.model), '.jp-webrtc-start');
    await flush();
    expect(FakePeerConnection.last().config.iceServers).toEqual([{ urls: 'stun:site' }]);
    const b = createModel({ ice_servers: [{ urls: 'turn:own', username: 'u', credential: 'c' }] });
    click(createView(b.model), '.jp-webrtc-start');
    await flush();
    expect(FakePeerConnection.last().config.iceServers).toEqual([
      { urls: 'turn:own', username: 'u', credential: 'c' }
    ]);
  });

  it.each([
    ['NotFoundError', 'camera missing'],
    ['NotAllowedError', 'camera access denied']
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
    comm.receive({ type: 'stats', fps_in: 30, fps_out: 29.5, dropped: 3, decode_ms: 1, encode_ms: 2, transform_ms: 4.25 });
    expect(stats.hidden).toBe(true);
    settings.update({ showStats: true });
    expect(stats.hidden).toBe(false);
    expect(stats.textContent).toContain('in 30.0 fps');
    expect(stats.textContent).toContain('dropped 3');
    expect(stats.textContent).toContain('transform 4.3 ms');
    model.set('show_stats', false);
    expect(stats.hidden).toBe(true);
    model.set('show_stats', true);
    settings.update({ showStats: false });
    expect(stats.hidden).toBe(false);
    click(view, '.jp-webrtc-stop');
    expect(stats.hidden).toBe(true);
  });

  it('shows transform_error from the kernel', () => {
    const { model } = createModel();
    const view = createView(model);
    model.set('transform_error', 'TypeError: x is undefined');
    expect($(view, '.jp-webrtc-error').textContent).toBe('transform error: TypeError: x is undefined');
    model.set('transform_error', '');
    expect($(view, '.jp-webrtc-error').hidden).toBe(true);
  });

  it('remembers the camera per key across views (page reloads)', async () => {
    devices.devices = [videoInput('cam-a', 'Front'), videoInput('cam-b', 'Back')];
    const first = createModel({ key: 'edges' });
    const view = createView(first.model);
    await flush();
    const select = $<HTMLSelectElement>(view, '.jp-webrtc-camera');
    expect([...select.options].map(o => o.textContent)).toEqual(['Default camera', 'Front', 'Back']);
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

  it('removing the view while streaming stops the stream', async () => {
    const { model, comm } = createModel();
    const view = createView(model);
    const pc = await startPlaying(view, comm);
    view.remove();
    expect(comm.custom().map(m => m.type)).toEqual(['offer', 'stop']);
    expect(pc.closed).toBe(true);
    expect(devices.streams[0].tracks[0].readyState).toBe('ended');
  });

  it('leaving the page while streaming stops the stream', async () => {
    const { model, comm } = createModel();
    const view = createView(model);
    const pc = await startPlaying(view, comm);
    window.dispatchEvent(new Event('pagehide'));
    expect(comm.custom().map(m => m.type)).toEqual(['offer', 'stop']);
    expect(pc.closed).toBe(true);
    expect(view.el.dataset.state).toBe('stopped');
  });

  it('a second view of the same model takes the stream over', async () => {
    const { model, comm } = createModel();
    const one = createView(model);
    const two = createView(model);
    const pc1 = await startPlaying(one, comm);
    click(two, '.jp-webrtc-start');
    expect(one.el.dataset.state).toBe('stopped');
    expect(pc1.closed).toBe(true);
    await flush();
    comm.receive({ type: 'answer', sdp: 'v=0\r\nanswer2' });
    await flush();
    expect(FakePeerConnection.last().remoteDescription!.sdp).toBe('v=0\r\nanswer2');
    expect(one.el.dataset.state).toBe('stopped');
    expect(comm.custom().map(m => m.type)).toEqual(['offer', 'stop', 'offer']);
  });
});
