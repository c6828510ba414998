/**
 * Audio in the widget: with the `audio` trait the session asks getUserMedia for the microphone and
 * adds one audio transceiver (none without), the kernel's audio and video tracks are shown as one
 * stream, the output plays it unless muted (a toggle shared by the model's views), and the
 * microphone picker is remembered per key like the camera.
 */
import fixture from '../../kernel-bridge/test/fixtures/streamer-protocol.json';
import { DEFAULT_QUALITY, SettingsStore } from '../settings';
import { buildConstraints } from '../streamer/camera';
import { loadDeviceChoice } from '../streamer/device-choice';
import { audioConstraint } from '../streamer/microphone';
import { AUDIO_STATS_STAGES, IStatsMessage, StreamMode } from '../streamer/protocol';
import { SignallingClient } from '../streamer/signalling';
import { statsGroups } from '../streamer/stats';
import { streamerEnvironment, WebRtcStreamerView } from '../streamer/view';
import {
  asStream,
  audioTrack,
  FakeMediaDevices,
  FakePeerConnection,
  FakeStream,
  flush,
  kernelStats,
  VIDEO_CAPABILITIES,
} from './fakes';
import { FakeWidgets } from './widget-fakes';

function client(devices: FakeMediaDevices, notices: string[] = []) {
  const c = new SignallingClient({
    send: () => undefined,
    getUserMedia: (constraints) => devices.getUserMedia(constraints),
    createPeerConnection: (config) => new FakePeerConnection(config),
    getCodecCapabilities: () => VIDEO_CAPABILITIES,
  });
  c.notice.connect((_, m) => notices.push(m));
  return c;
}

const start = (c: SignallingClient, audio: boolean, mode?: StreamMode) =>
  c.start({
    constraints: { video: true, audio },
    iceServers: [],
    codec: 'VP8',
    quality: DEFAULT_QUALITY,
    audio,
    mode,
  });

/** A transceiver's kind, whether it was added with a track or a kind. */
const kindOf = (track: MediaStreamTrack | string): string => (typeof track === 'string' ? track : track.kind);

describe('signalling with audio', () => {
  beforeEach(() => (FakePeerConnection.instances = []));

  it('adds no audio transceiver without audio', async () => {
    const devices = new FakeMediaDevices();
    await start(client(devices), false);
    expect(devices.constraints).toEqual([{ video: true, audio: false }]);
    expect(FakePeerConnection.last().transceivers.map((t) => kindOf(t.track))).toEqual(['video']);
  });

  it('adds the microphone as a sendrecv audio transceiver of the same stream with audio', async () => {
    const devices = new FakeMediaDevices();
    await start(client(devices), true);
    const [video, audio] = FakePeerConnection.last().transceivers;
    expect(kindOf(video.track)).toBe('video');
    expect(kindOf(audio.track)).toBe('audio');
    expect(audio.init.direction).toBe('sendrecv');
    expect(audio.init.streams).toEqual(video.init.streams);
  });

  it("gives the audio transceiver the mode's direction, like the video's", async () => {
    await start(client(new FakeMediaDevices()), true, 'sendonly');
    expect(FakePeerConnection.last().transceivers[1].init.direction).toBe('sendonly');
  });

  it("recvonly receives the kernel's audio without opening the microphone", async () => {
    const devices = new FakeMediaDevices();
    await start(client(devices), true, 'recvonly');
    expect(devices.constraints).toEqual([]);
    const kinds = FakePeerConnection.last().transceivers.map((t) => [t.track, t.init.direction]);
    expect(kinds).toEqual([
      ['video', 'recvonly'],
      ['audio', 'recvonly'],
    ]);
  });

  it('goes on with video only, and says so, when the browser gives no audio track', async () => {
    const devices = new FakeMediaDevices();
    devices.getUserMedia = async () => asStream(new FakeStream());
    const notices: string[] = [];
    const c = client(devices, notices);
    await start(c, true);
    expect(FakePeerConnection.last().transceivers).toHaveLength(1);
    expect(notices).toEqual(['microphone missing: the browser gave no audio track; streaming video only']);
    expect(c.state).toBe('connecting');
  });

  it('names the microphone in a getUserMedia failure when audio was asked for', async () => {
    const devices = new FakeMediaDevices();
    const denied = new Error('denied');
    denied.name = 'NotAllowedError';
    devices.error = denied;
    const c = client(devices);
    await start(c, true);
    expect(c.statusText).toMatch(/^error: camera or microphone access denied/);
  });

  it('gathers the kernel tracks that arrive in separate streams into one remote stream', async () => {
    const c = client(new FakeMediaDevices());
    const remote: (MediaStream | null)[] = [];
    c.remoteStreamChanged.connect((_, s) => remote.push(s));
    await start(c, true);
    const pc = FakePeerConnection.last();
    const video = new FakeStream();
    pc.emitTrack(video);
    const mic = audioTrack('kernel-audio');
    pc.ontrack?.({ track: mic as unknown as MediaStreamTrack, streams: [asStream(new FakeStream([mic]))] });
    expect(remote).toEqual([asStream(video), asStream(video)]);
    expect(video.getAudioTracks()).toEqual([mic]);
  });
});

describe('audio constraints', () => {
  it('asks for the chosen microphone, exact when listed, preferred when not', () => {
    expect(audioConstraint(false, 'mic-2', true)).toBe(false);
    expect(audioConstraint(true, null, false)).toBe(true);
    expect(audioConstraint(true, 'mic-2', true)).toEqual({ deviceId: { exact: 'mic-2' } });
    expect(audioConstraint(true, 'mic-2', false)).toEqual({ deviceId: { ideal: 'mic-2' } });
    expect(buildConstraints(null, null, audioConstraint(true, null, false))).toEqual({ video: true, audio: true });
    // the widget's media_constraints.audio (processing switches) joins the device choice
    expect(audioConstraint(true, 'mic-2', true, { audio: { echoCancellation: false } })).toEqual({
      echoCancellation: false,
      deviceId: { exact: 'mic-2' },
    });
    expect(audioConstraint(false, null, false, { audio: { echoCancellation: false } })).toBe(false);
  });
});

describe('the widget with audio', () => {
  let devices: FakeMediaDevices;
  const widgets = new FakeWidgets();

  beforeEach(() => {
    FakePeerConnection.instances = [];
    devices = new FakeMediaDevices();
    devices.devices = [
      { deviceId: 'cam-1', label: 'Cam', kind: 'videoinput', groupId: 'g' } as MediaDeviceInfo,
      { deviceId: 'mic-1', label: 'Mic one', kind: 'audioinput', groupId: 'g' } as MediaDeviceInfo,
      { deviceId: 'mic-2', label: 'Mic two', kind: 'audioinput', groupId: 'g' } as MediaDeviceInfo,
    ];
    localStorage.clear();
    const settings = new SettingsStore();
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
  });

  function widget(state: Record<string, unknown>) {
    const { model } = widgets.model(state);
    return { model, view: () => widgets.view(model) };
  }

  const q = <T extends HTMLElement>(v: WebRtcStreamerView, s: string) => v.el.querySelector(s) as T;

  it('hides the microphone picker and mute toggle, and keeps the output muted, without audio', async () => {
    const { view } = widget({ key: 'k' });
    const v = view();
    await flush();
    expect(q(v, '.jp-webrtc-microphone-label').hidden).toBe(true);
    expect(q(v, '.jp-webrtc-mute').hidden).toBe(true);
    expect(q<HTMLVideoElement>(v, 'video.jp-webrtc-output').muted).toBe(true);
  });

  it('plays the output, and the mute toggle mutes it in every view of the model', async () => {
    const { model, view } = widget({ key: 'k', audio: true });
    const [a, b] = [view(), view()];
    await flush();
    const outputs = [a, b].map((v) => q<HTMLVideoElement>(v, 'video.jp-webrtc-output'));
    expect(outputs.map((o) => o.muted)).toEqual([false, false]);
    const mute = q<HTMLButtonElement>(a, '.jp-webrtc-mute');
    expect(mute.hidden).toBe(false);
    expect(mute.getAttribute('aria-pressed')).toBe('false');
    mute.click();
    expect(model.outputMuted).toBe(true);
    expect(outputs.map((o) => o.muted)).toEqual([true, true]);
    expect(outputs.map((o) => o.hasAttribute('muted'))).toEqual([true, true]);
    expect(q(b, '.jp-webrtc-mute').getAttribute('aria-pressed')).toBe('true');
    expect(q(b, '.jp-webrtc-mute').textContent).toBe('Unmute');
    q<HTMLButtonElement>(b, '.jp-webrtc-mute').click();
    expect(outputs.map((o) => o.muted)).toEqual([false, false]);
    // the local preview never plays the microphone back
    expect(q<HTMLVideoElement>(a, 'video.jp-webrtc-local').muted).toBe(true);
  });

  it('lists microphones beside the camera, remembers the choice per key and opens it', async () => {
    const { model, view } = widget({ key: 'talk', audio: true });
    const v = view();
    await flush();
    const picker = q<HTMLSelectElement>(v, '.jp-webrtc-microphone');
    expect([...picker.options].map((o) => o.textContent)).toEqual(['Default microphone', 'Mic one', 'Mic two']);
    expect(q(v, '.jp-webrtc-camera-label').nextElementSibling).toBe(picker.parentElement);
    picker.value = 'mic-2';
    picker.dispatchEvent(new Event('change'));
    expect(loadDeviceChoice('microphone', 'talk')).toBe('mic-2');
    q<HTMLButtonElement>(v, '.jp-webrtc-start').click();
    await flush();
    expect(devices.constraints.at(-1)).toEqual({ video: true, audio: { deviceId: { exact: 'mic-2' } } });
    expect(FakePeerConnection.last().transceivers.map((t) => kindOf(t.track))).toEqual(['video', 'audio']);
    expect(picker.disabled).toBe(true);
    // a new view of the same key shows the remembered choice
    const again = view();
    await flush();
    expect(q<HTMLSelectElement>(again, '.jp-webrtc-microphone').value).toBe('mic-2');
    model.stopStreaming();
  });

  it('shows per mode only the audio controls that apply: recvonly no microphone, sendonly no mute', async () => {
    const recvonly = widget({ key: 'listen', audio: true, mode: 'recvonly' }).view();
    const sendonly = widget({ key: 'speak', audio: true, mode: 'sendonly' }).view();
    await flush();
    expect(q(recvonly, '.jp-webrtc-microphone').closest('label')!.hidden).toBe(true);
    expect(q(recvonly, '.jp-webrtc-mute').hidden).toBe(false);
    expect(q(sendonly, '.jp-webrtc-microphone').closest('label')!.hidden).toBe(false);
    expect(q(sendonly, '.jp-webrtc-mute').hidden).toBe(true);
    // one camera picker, whatever the audio controls
    expect(recvonly.el.querySelectorAll('.jp-webrtc-camera')).toHaveLength(1);
  });

  it('starts without audio when the trait is off: no audio asked, one transceiver', async () => {
    const { view } = widget({ key: 'k2' });
    q<HTMLButtonElement>(view(), '.jp-webrtc-start').click();
    await flush();
    expect(devices.constraints.at(-1)).toEqual({ video: true, audio: false });
    expect(FakePeerConnection.last().transceivers).toHaveLength(1);
  });
});

describe('the stats overlay with audio', () => {
  const audio = fixture.kernel_to_frontend.valid.stats
    .map((example) => (example.message as unknown as IStatsMessage).audio)
    .find((a) => a !== undefined)!;

  it('adds a table of the kernel audio stages when the kernel reports audio, none otherwise', () => {
    expect(statsGroups(kernelStats(), null, null)).toHaveLength(3);
    const groups = statsGroups(kernelStats({ audio }), null, null);
    expect(groups).toHaveLength(4);
    expect(groups[3].rows.map((r) => r.stage)).toEqual(AUDIO_STATS_STAGES.map((stage) => `audio.${stage}`));
    expect(groups[3].rows[0]).toMatchObject({ fps: audio.fps.received, total: audio.total.received });
  });
});
