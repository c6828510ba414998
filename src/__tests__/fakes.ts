/**
 * Fakes below the browser's WebRTC and media APIs: they record what the code
 * under test does and let a test drive events (ICE candidates, tracks,
 * connection state) by hand.
 */
import fixture from '../../kernel-bridge/test/fixtures/streamer-protocol.json';
import type { IStatsMessage } from '../streamer/protocol';
import type { IPeerConnectionLike } from '../streamer/signalling';

/** A valid kernel `stats` message (the shared fixture's first example), with `changes`. */
export function kernelStats(changes: Partial<IStatsMessage> = {}): IStatsMessage {
  const example = fixture.kernel_to_frontend.valid.stats[0].message as IStatsMessage;
  return { ...JSON.parse(JSON.stringify(example)), ...changes };
}

export class FakeTrack {
  kind = 'video';
  readyState: 'live' | 'ended' = 'live';
  contentHint = '';
  constructor(
    public id = `track-${++FakeTrack.count}`,
    public deviceId = 'cam-1',
  ) {}
  stop(): void {
    this.readyState = 'ended';
  }
  getSettings(): MediaTrackSettings {
    return { deviceId: this.deviceId, width: 320, height: 240 };
  }
  static count = 0;
}

export class FakeStream {
  constructor(public tracks: FakeTrack[] = [new FakeTrack()]) {}
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  addTrack(track: FakeTrack): void {
    this.tracks.push(track);
  }
  removeTrack(track: FakeTrack): void {
    this.tracks = this.tracks.filter((t) => t !== track);
  }
}

/** A microphone track (kind audio). */
export function audioTrack(deviceId = 'mic-1'): FakeTrack {
  const track = new FakeTrack(undefined, deviceId);
  track.kind = 'audio';
  return track;
}

export const asStream = (s: FakeStream): MediaStream => s as unknown as MediaStream;

/** An RTCRtpSender's parameters: each setParameters is recorded and becomes what getParameters returns. */
class FakeSender {
  parameters: RTCRtpSendParameters = {
    transactionId: 't0',
    encodings: [{ active: true }],
    codecs: [],
    headerExtensions: [],
    rtcp: {},
  };
  applied: RTCRtpSendParameters[] = [];
  failWith: Error | null = null;
  getParameters(): RTCRtpSendParameters {
    return JSON.parse(JSON.stringify(this.parameters));
  }
  async setParameters(parameters: RTCRtpSendParameters): Promise<void> {
    if (this.failWith) {
      throw this.failWith;
    }
    this.applied.push(parameters);
    this.parameters = parameters;
  }
  /** The tracks given to replaceTrack, in order. */
  replaced: (MediaStreamTrack | null)[] = [];
  async replaceTrack(track: MediaStreamTrack | null): Promise<void> {
    this.replaced.push(track);
  }
}

export class FakeTransceiver {
  sender = new FakeSender();
  codecPreferences: RTCRtpCodec[] | null = null;
  setCodecPreferences(codecs: RTCRtpCodec[]): void {
    this.codecPreferences = codecs;
  }
}

export class FakePeerConnection implements IPeerConnectionLike {
  static instances: FakePeerConnection[] = [];
  static last(): FakePeerConnection {
    return FakePeerConnection.instances[FakePeerConnection.instances.length - 1];
  }

  connectionState: RTCPeerConnectionState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  onicecandidate: IPeerConnectionLike['onicecandidate'] = null;
  ontrack: IPeerConnectionLike['ontrack'] = null;
  onconnectionstatechange: (() => void) | null = null;
  onicecandidateerror: IPeerConnectionLike['onicecandidateerror'] = null;
  closed = false;
  transceivers: { track: MediaStreamTrack | 'video' | 'audio'; init: RTCRtpTransceiverInit; t: FakeTransceiver }[] = [];
  addedCandidates: (RTCIceCandidateInit | undefined)[] = [];
  /** Every call, in order, for ordering assertions. */
  calls: string[] = [];
  failRemoteDescription: Error | null = null;
  /** What getStats() resolves with (a Map by id, like RTCStatsReport). */
  statsReport = new Map<string, Record<string, unknown>>();
  getStatsCalls = 0;

  constructor(public config: RTCConfiguration) {
    FakePeerConnection.instances.push(this);
  }

  addTransceiver(track: MediaStreamTrack | 'video' | 'audio', init: RTCRtpTransceiverInit): FakeTransceiver {
    this.calls.push('addTransceiver');
    const t = new FakeTransceiver();
    this.transceivers.push({ track, init, t });
    return t;
  }
  async createOffer(): Promise<RTCSessionDescriptionInit> {
    this.calls.push('createOffer');
    return { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n' };
  }
  async setLocalDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.calls.push('setLocalDescription');
    this.localDescription = d;
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.calls.push('setRemoteDescription');
    if (this.failRemoteDescription) {
      throw this.failRemoteDescription;
    }
    this.remoteDescription = d;
  }
  async addIceCandidate(c?: RTCIceCandidateInit): Promise<void> {
    this.calls.push('addIceCandidate');
    if (!this.remoteDescription) {
      throw new Error('InvalidStateError: no remote description');
    }
    this.addedCandidates.push(c);
  }
  async getStats(): Promise<Map<string, Record<string, unknown>>> {
    this.getStatsCalls++;
    return this.statsReport;
  }
  close(): void {
    this.calls.push('close');
    this.closed = true;
    this.connectionState = 'closed';
  }

  // Test drivers
  emitCandidate(candidate: string | null, sdpMid = '0'): void {
    const c =
      candidate === null
        ? null
        : ({
            candidate,
            sdpMid,
            sdpMLineIndex: 0,
            usernameFragment: 'u',
            toJSON() {
              return { candidate, sdpMid, sdpMLineIndex: 0, usernameFragment: 'u' };
            },
          } as unknown as RTCIceCandidate);
    this.onicecandidate?.({ candidate: c });
  }
  emitTrack(stream: FakeStream): void {
    this.ontrack?.({
      track: stream.tracks[0] as unknown as MediaStreamTrack,
      streams: [asStream(stream)],
    });
  }
  setConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
}

export const VIDEO_CAPABILITIES = {
  codecs: [
    { mimeType: 'video/H264', clockRate: 90000, sdpFmtpLine: 'profile-level-id=42e01f' },
    { mimeType: 'video/rtx', clockRate: 90000 },
    { mimeType: 'video/VP9', clockRate: 90000 },
    { mimeType: 'video/VP8', clockRate: 90000 },
    { mimeType: 'video/AV1', clockRate: 90000 },
  ] as RTCRtpCodec[],
};

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

/** A fake navigator.mediaDevices. */
export class FakeMediaDevices {
  devices: MediaDeviceInfo[] = [];
  streams: FakeStream[] = [];
  constraints: MediaStreamConstraints[] = [];
  error: Error | null = null;
  listeners = new Set<() => void>();
  /** When set, getUserMedia waits for this to be called. */
  hold = false;
  private _release: (() => void) | null = null;

  async enumerateDevices(): Promise<MediaDeviceInfo[]> {
    return this.devices;
  }
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
    this.constraints.push(constraints);
    const result = () => {
      if (this.error) {
        throw this.error;
      }
      // a microphone opened alone (video: false) comes without a camera track
      const stream = new FakeStream(constraints.video === false ? [] : undefined);
      if (constraints.audio) {
        stream.addTrack(audioTrack());
      }
      this.streams.push(stream);
      return asStream(stream);
    };
    if (this.hold) {
      return new Promise<void>((resolve) => (this._release = resolve)).then(result);
    }
    return Promise.resolve().then(result);
  }
  release(): void {
    this._release?.();
  }
  addEventListener(_type: 'devicechange', listener: () => void): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: 'devicechange', listener: () => void): void {
    this.listeners.delete(listener);
  }
}

export function namedError(name: string, message = name): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

export function videoInput(deviceId: string, label: string): MediaDeviceInfo {
  return { deviceId, label, kind: 'videoinput', groupId: 'g' } as MediaDeviceInfo;
}
