import { DEFAULT_QUALITY } from '../settings';
import { FrontendMessage, MAX_ICE_SERVERS } from '../streamer/protocol';
import { SignallingClient } from '../streamer/signalling';
import {
  asStream,
  FakeMediaDevices,
  FakePeerConnection,
  FakeStream,
  flush,
  namedError,
  VIDEO_CAPABILITIES,
} from './fakes';

const CANDIDATE = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host';

function setup(options: { answerTimeoutMs?: number } = {}) {
  FakePeerConnection.instances = [];
  const sent: FrontendMessage[] = [];
  const states: string[] = [];
  const notices: string[] = [];
  const local: (MediaStream | null)[] = [];
  const remote: (MediaStream | null)[] = [];
  const devices = new FakeMediaDevices();
  const order: string[] = [];
  const client = new SignallingClient({
    send: (m) => {
      sent.push(m);
      order.push(`send:${m.type}`);
    },
    getUserMedia: (c) => {
      order.push('getUserMedia');
      return devices.getUserMedia(c);
    },
    createPeerConnection: (config) => {
      order.push('createPeerConnection');
      return new FakePeerConnection(config);
    },
    getCodecCapabilities: () => VIDEO_CAPABILITIES,
    answerTimeoutMs: options.answerTimeoutMs,
  });
  const senders = new Set<unknown>();
  client.stateChanged.connect((sender, { state, detail }) => {
    senders.add(sender);
    states.push(detail ? `${state}: ${detail}` : state);
  });
  client.localStreamChanged.connect((sender, s) => senders.add(sender) && local.push(s));
  client.remoteStreamChanged.connect((sender, s) => senders.add(sender) && remote.push(s));
  client.notice.connect((sender, m) => senders.add(sender) && notices.push(m));
  const start = (iceServers: RTCIceServer[] = []) =>
    client.start({ constraints: { video: { width: 640 } }, iceServers, codec: 'VP8', quality: DEFAULT_QUALITY });
  return { client, sent, states, notices, local, remote, senders, devices, order, start };
}

/** Starts and answers, ready for ICE. */
async function connected(ctx: ReturnType<typeof setup>) {
  await ctx.start();
  const pc = FakePeerConnection.last();
  await ctx.client.handleMessage({ type: 'answer', sdp: 'v=0\r\nanswer' });
  pc.setConnectionState('connected');
  return pc;
}

describe('SignallingClient start', () => {
  it('opens the camera before creating the peer and the offer, then sends the offer', async () => {
    const ctx = setup();
    expect(ctx.client.state).toBe('idle');
    await ctx.start([{ urls: 'stun:a' }]);
    const pc = FakePeerConnection.last();
    expect(ctx.order).toEqual(['getUserMedia', 'createPeerConnection', 'send:offer']);
    expect(pc.calls).toEqual(['addTransceiver', 'createOffer', 'setLocalDescription']);
    expect(ctx.devices.constraints).toEqual([{ video: { width: 640 } }]);
    expect(pc.config).toEqual({ iceServers: [{ urls: 'stun:a' }], iceTransportPolicy: 'all' });
    expect(ctx.sent).toEqual([{ type: 'offer', sdp: pc.localDescription!.sdp, ice_servers: expect.any(Array) }]);
    expect(ctx.client.state).toBe('connecting');
    expect(ctx.client.active).toBe(true);
    expect(ctx.states).toEqual(['connecting: opening the camera', "connecting: waiting for the kernel's answer"]);
    expect([...ctx.senders]).toEqual([ctx.client]); // every signal is the client's
  });

  it('sends one sendrecv video transceiver with contentHint detail and VP8 first', async () => {
    const ctx = setup();
    await ctx.start();
    const pc = FakePeerConnection.last();
    const stream = ctx.devices.streams[0];
    expect(pc.transceivers).toHaveLength(1);
    const [{ track, init, t }] = pc.transceivers;
    expect(track).toBe(stream.tracks[0]);
    expect(init.direction).toBe('sendrecv');
    expect(stream.tracks[0].contentHint).toBe('detail');
    expect(t.codecPreferences!.map((c) => c.mimeType)).toEqual([
      'video/VP8',
      'video/H264',
      'video/rtx',
      'video/VP9',
      'video/AV1',
    ]);
    expect(ctx.local).toEqual([asStream(stream)]);
  });

  it('refuses more ICE servers than the kernel accepts before opening the camera', async () => {
    const ctx = setup();
    const servers = Array.from({ length: MAX_ICE_SERVERS + 1 }, (_, i) => ({ urls: `stun:s${i}` }));
    await ctx.start(servers);
    expect(ctx.order).toEqual([]); // no camera, no peer, no offer
    expect(ctx.client.state).toBe('error');
    expect(ctx.states).toEqual([
      `error: too many ICE servers (${MAX_ICE_SERVERS + 1}; at most ${MAX_ICE_SERVERS}): check Settings → WebRTC streamer`,
    ]);
    await ctx.start(servers.slice(0, MAX_ICE_SERVERS)); // at the limit it starts
    expect(ctx.order).toEqual(['getUserMedia', 'createPeerConnection', 'send:offer']);
  });

  it('sendonly: the camera goes out on a sendonly transceiver', async () => {
    const ctx = setup();
    await ctx.client.start({
      constraints: { video: true },
      iceServers: [],
      codec: 'VP8',
      quality: DEFAULT_QUALITY,
      mode: 'sendonly',
    });
    const pc = FakePeerConnection.last();
    expect(ctx.order).toEqual(['getUserMedia', 'createPeerConnection', 'send:offer']);
    const [{ track, init }] = pc.transceivers;
    expect(track).toBe(ctx.devices.streams[0].tracks[0]);
    expect(init.direction).toBe('sendonly');
  });

  it('recvonly: no getUserMedia at all, one recvonly video transceiver, the kernel track shown', async () => {
    const ctx = setup();
    await ctx.client.start({
      constraints: { video: true },
      iceServers: [],
      codec: 'VP8',
      quality: DEFAULT_QUALITY,
      mode: 'recvonly',
    });
    const pc = FakePeerConnection.last();
    expect(ctx.order).toEqual(['createPeerConnection', 'send:offer']);
    expect(ctx.devices.constraints).toEqual([]);
    expect(pc.transceivers).toHaveLength(1);
    const [{ track, init, t }] = pc.transceivers;
    expect(track).toBe('video');
    expect(init).toEqual({ direction: 'recvonly' });
    expect(t.codecPreferences![0].mimeType).toBe('video/VP8');
    expect(ctx.states).toEqual(['connecting: connecting to the kernel', "connecting: waiting for the kernel's answer"]);
    await ctx.client.handleMessage({ type: 'answer', sdp: 'v=0\r\nanswer' });
    const out = new FakeStream();
    pc.emitTrack(out);
    pc.setConnectionState('connected');
    expect(ctx.client.state).toBe('playing');
    expect(ctx.local).toEqual([]); // no camera stream, ever
    expect(ctx.remote).toEqual([asStream(out)]);
    // No camera sender: the quality caps have nothing to apply to, and nothing fails.
    expect(t.sender.applied).toEqual([]);
    expect(ctx.notices).toEqual([]);
    ctx.client.stop();
    expect(ctx.local).toEqual([null]);
    expect(pc.closed).toBe(true);
  });

  it('ignores start while a session is active', async () => {
    const ctx = setup();
    await ctx.start();
    await ctx.start();
    expect(FakePeerConnection.instances).toHaveLength(1);
    expect(ctx.sent.filter((m) => m.type === 'offer')).toHaveLength(1);
  });
});

describe('SignallingClient camera errors', () => {
  it.each([
    ['NotFoundError', /^camera missing/],
    ['NotAllowedError', /^camera access denied/],
    ['NotReadableError', /in use/],
    ['OverconstrainedError', /constraints/],
  ])('%s ends in error without an offer or a peer', async (name, pattern) => {
    const ctx = setup();
    ctx.devices.error = namedError(name);
    await ctx.start();
    expect(ctx.client.state).toBe('error');
    expect(ctx.client.detail).toMatch(pattern);
    expect(ctx.client.statusText.startsWith('error: ')).toBe(true);
    expect(ctx.client.active).toBe(false);
    expect(ctx.sent).toEqual([]);
    expect(FakePeerConnection.instances).toHaveLength(0);
  });

  it('can start again after a camera error', async () => {
    const ctx = setup();
    ctx.devices.error = namedError('NotAllowedError');
    await ctx.start();
    ctx.devices.error = null;
    await ctx.start();
    expect(ctx.client.state).toBe('connecting');
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer']);
  });
});

describe('SignallingClient trickle ICE', () => {
  it('sends local candidates after the offer, in order, with null as end', async () => {
    const ctx = setup();
    await ctx.start();
    const pc = FakePeerConnection.last();
    pc.emitCandidate(CANDIDATE);
    pc.emitCandidate(''); // end of a generation: not sent
    pc.emitCandidate(null);
    expect(ctx.sent).toEqual([
      { type: 'offer', sdp: expect.any(String), ice_servers: expect.any(Array) },
      { type: 'candidate', candidate: { candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' } },
      { type: 'candidate', candidate: null },
    ]);
  });

  it('holds candidates gathered before the offer was sent until after it', async () => {
    const ctx = setup();
    // Emit a candidate from inside setLocalDescription, before the offer goes out.
    const origCreate = FakePeerConnection.prototype.setLocalDescription;
    const spy = jest.spyOn(FakePeerConnection.prototype, 'setLocalDescription').mockImplementation(async function (
      this: FakePeerConnection,
      d,
    ) {
      await origCreate.call(this, d);
      this.emitCandidate(CANDIDATE);
    });
    await ctx.start();
    spy.mockRestore();
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer', 'candidate']);
  });

  it('queues kernel candidates until the answer is applied, then adds them', async () => {
    const ctx = setup();
    await ctx.start();
    const pc = FakePeerConnection.last();
    const c1 = { candidate: CANDIDATE, sdpMid: '0' };
    await ctx.client.handleMessage({ type: 'candidate', candidate: c1 });
    expect(pc.addedCandidates).toEqual([]);
    await ctx.client.handleMessage({ type: 'answer', sdp: 'v=0\r\nanswer' });
    expect(pc.remoteDescription).toEqual({ type: 'answer', sdp: 'v=0\r\nanswer' });
    expect(pc.addedCandidates).toEqual([c1]);
    await ctx.client.handleMessage({ type: 'candidate', candidate: null });
    expect(pc.addedCandidates).toEqual([c1, undefined]);
    expect(ctx.client.detail).toBe('establishing the connection');
  });

  it('ignores kernel candidates when there is no session', async () => {
    const ctx = setup();
    await expect(
      ctx.client.handleMessage({ type: 'candidate', candidate: { candidate: CANDIDATE, sdpMid: '0' } }),
    ).resolves.toBeUndefined();
    expect(ctx.client.state).toBe('idle');
  });
});

describe('SignallingClient answer and connection', () => {
  it('plays when the peer connects and shows the kernel track', async () => {
    const ctx = setup();
    const pc = await connected(ctx);
    expect(ctx.client.state).toBe('playing');
    expect(ctx.client.statusText).toBe('playing');
    const out = new FakeStream();
    pc.emitTrack(out);
    expect(ctx.remote).toEqual([asStream(out)]);
  });

  it('ignores an unexpected answer (none pending) with a warning', async () => {
    const ctx = setup();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await ctx.client.handleMessage({ type: 'answer', sdp: 'v=0' });
    expect(warn).toHaveBeenCalled();
    expect(ctx.client.state).toBe('idle');
    const pc = await connected(ctx);
    await ctx.client.handleMessage({ type: 'answer', sdp: 'v=0 second' });
    expect(pc.calls.filter((c) => c === 'setRemoteDescription')).toHaveLength(1);
  });

  it('a rejected answer is an error that stops the kernel peer', async () => {
    const ctx = setup();
    await ctx.start();
    const pc = FakePeerConnection.last();
    pc.failRemoteDescription = new Error('bad sdp');
    await ctx.client.handleMessage({ type: 'answer', sdp: 'v=0' });
    expect(ctx.client.state).toBe('error');
    expect(ctx.client.detail).toContain('bad sdp');
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer', 'stop']);
    expect(pc.closed).toBe(true);
  });

  it('connectionState failed is a clear error; the camera is released', async () => {
    const ctx = setup();
    const pc = await connected(ctx);
    pc.setConnectionState('failed');
    await flush(); // the doctor reads getStats first
    expect(ctx.client.state).toBe('error');
    expect(ctx.client.detail).toMatch(/^connection failed/);
    expect(pc.closed).toBe(true);
    expect(ctx.devices.streams[0].tracks[0].readyState).toBe('ended');
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer', 'connection_report', 'stop']);
  });

  it('times out when the kernel never answers', async () => {
    jest.useFakeTimers();
    try {
      const ctx = setup({ answerTimeoutMs: 1000 });
      await ctx.start();
      jest.advanceTimersByTime(999);
      expect(ctx.client.state).toBe('connecting');
      jest.advanceTimersByTime(1);
      expect(ctx.client.state).toBe('error');
      expect(ctx.client.detail).toBe('no answer from the kernel');
      expect(ctx.sent.map((m) => m.type)).toEqual(['offer', 'stop']);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('SignallingClient stop', () => {
  it('sends stop, closes the peer and ends every local track', async () => {
    const ctx = setup();
    const pc = await connected(ctx);
    const tracks = ctx.devices.streams[0].tracks;
    ctx.client.stop();
    expect(ctx.sent[ctx.sent.length - 1]).toEqual({ type: 'stop' });
    expect(pc.closed).toBe(true);
    expect(tracks.every((t) => t.readyState === 'ended')).toBe(true);
    expect(ctx.client.state).toBe('stopped');
    expect(ctx.client.active).toBe(false);
    expect(ctx.local[ctx.local.length - 1]).toBeNull();
    expect(ctx.remote[ctx.remote.length - 1]).toBeNull();
    // Late events from the closed peer change nothing.
    pc.setConnectionState('failed');
    expect(ctx.client.state).toBe('stopped');
  });

  it('stop while the camera is opening releases the camera when it arrives', async () => {
    const ctx = setup();
    ctx.devices.hold = true;
    const starting = ctx.start();
    await flush();
    ctx.client.stop();
    expect(ctx.client.state).toBe('stopped');
    ctx.devices.release();
    await starting;
    expect(ctx.devices.streams[0].tracks[0].readyState).toBe('ended');
    expect(FakePeerConnection.instances).toHaveLength(0);
    expect(ctx.sent.map((m) => m.type)).toEqual(['stop']);
  });

  it('stop when idle does nothing', () => {
    const ctx = setup();
    ctx.client.stop();
    expect(ctx.sent).toEqual([]);
    expect(ctx.client.state).toBe('idle');
    expect(ctx.states).toEqual([]); // no state change was signalled
    expect(ctx.local).toEqual([]);
  });

  it('dispose stops an active session and refuses new ones', async () => {
    const ctx = setup();
    await connected(ctx);
    ctx.client.dispose();
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer', 'stop']);
    // Receivers hear the final state, then are disconnected.
    expect(ctx.states[ctx.states.length - 1]).toBe('stopped: the widget was closed');
    expect(ctx.local[ctx.local.length - 1]).toBeNull();
    const heard = ctx.states.length;
    await ctx.start();
    expect(FakePeerConnection.instances).toHaveLength(1);
    expect(ctx.client.disposed).toBe(true);
    expect(ctx.states).toHaveLength(heard);
  });

  it('dispose without notifying the kernel (comm closed) still releases everything', async () => {
    const ctx = setup();
    const pc = await connected(ctx);
    ctx.client.dispose('the widget was closed', false);
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer']);
    expect(pc.closed).toBe(true);
    expect(ctx.devices.streams[0].tracks[0].readyState).toBe('ended');
    expect(ctx.client.statusText).toBe('stopped: the widget was closed');
  });

  it('a failing send of stop still tears the session down', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    FakePeerConnection.instances = [];
    const devices = new FakeMediaDevices();
    let closed = false;
    const client = new SignallingClient({
      send: () => {
        if (closed) {
          throw new Error('Comm is closed');
        }
      },
      getUserMedia: (c) => devices.getUserMedia(c),
      createPeerConnection: (config) => new FakePeerConnection(config),
    });
    await client.start({ constraints: { video: true }, iceServers: [], codec: 'VP8', quality: DEFAULT_QUALITY });
    closed = true;
    client.stop();
    expect(FakePeerConnection.last().closed).toBe(true);
    expect(devices.streams[0].tracks[0].readyState).toBe('ended');
    expect(client.state).toBe('stopped');
    expect(warn).toHaveBeenCalled();
  });
});

describe('SignallingClient kernel messages', () => {
  it('kernel stopped ends the session in the stopped state, without sending stop', async () => {
    const ctx = setup();
    const pc = await connected(ctx);
    await ctx.client.handleMessage({ type: 'stopped', reason: 'new key' });
    expect(ctx.client.state).toBe('stopped');
    expect(ctx.client.statusText).toBe('stopped: by the kernel (new key)');
    expect(pc.closed).toBe(true);
    expect(ctx.sent.map((m) => m.type)).toEqual(['offer']);
  });

  it('a fatal kernel error ends the session in error; a non-fatal one is a notice', async () => {
    const ctx = setup();
    const pc = await connected(ctx);
    await ctx.client.handleMessage({ type: 'error', message: 'transform threw', fatal: false });
    expect(ctx.client.state).toBe('playing');
    expect(ctx.notices).toEqual(['kernel: transform threw']);
    await ctx.client.handleMessage({ type: 'error', message: 'negotiation failed', fatal: true });
    expect(ctx.client.state).toBe('error');
    expect(ctx.client.statusText).toBe('error: kernel: negotiation failed');
    expect(pc.closed).toBe(true);
    // The kernel's stopped after a fatal error keeps the error visible.
    await ctx.client.handleMessage({ type: 'stopped', reason: 'error' });
    expect(ctx.client.state).toBe('error');
  });

  it("the kernel's stopped for an earlier stop does not end a restarted session", async () => {
    const ctx = setup();
    await connected(ctx);
    ctx.client.stop();
    await ctx.start(); // restart before the kernel confirmed the stop
    const pc2 = FakePeerConnection.last();
    await ctx.client.handleMessage({ type: 'stopped', reason: 'stop' }); // the old session's
    expect(ctx.client.state).toBe('connecting');
    await ctx.client.handleMessage({ type: 'answer', sdp: 'v=0\r\nanswer' });
    pc2.setConnectionState('connected');
    expect(ctx.client.state).toBe('playing');
    await ctx.client.handleMessage({ type: 'stopped', reason: 'shutdown' });
    expect(ctx.client.state).toBe('stopped');
  });
});

describe('SignallingClient quality caps', () => {
  const caps = { ...DEFAULT_QUALITY, max_width: 160, bitrate_kbps: 300, max_fps: 15 };

  it('applies the caps to the camera sender before the offer goes out', async () => {
    const ctx = setup();
    await ctx.client.start({ constraints: { video: true }, iceServers: [], codec: 'VP8', quality: caps });
    await flush();
    const { sender } = FakePeerConnection.last().transceivers[0].t;
    // The fake camera is 320x240: half the width.
    expect(sender.applied).toHaveLength(1);
    expect(sender.applied[0].encodings[0]).toEqual({
      active: true,
      scaleResolutionDownBy: 2,
      maxBitrate: 300_000,
      maxFramerate: 15,
    });
    expect(sender.applied[0]).toMatchObject({ transactionId: 't0', degradationPreference: 'maintain-resolution' });
  });

  it('changes the caps of a playing session without a new offer, lifting the ones unset', async () => {
    const ctx = setup();
    const pc = await connected(ctx);
    const track = ctx.devices.streams[0].tracks[0];
    const { sender } = pc.transceivers[0].t;
    await flush();
    ctx.client.setQuality({ ...caps, degradation: 'maintain-framerate' });
    await flush();
    expect(sender.parameters.encodings[0]).toMatchObject({ scaleResolutionDownBy: 2, maxBitrate: 300_000 });
    expect(sender.parameters).toMatchObject({ degradationPreference: 'maintain-framerate' });
    expect(track.contentHint).toBe('motion');

    ctx.client.setQuality({ ...DEFAULT_QUALITY, degradation: 'balanced' });
    await flush();
    expect(sender.parameters.encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 1 });
    expect(track.contentHint).toBe('');
    expect(ctx.sent.filter((m) => m.type === 'offer')).toHaveLength(1);
    expect(FakePeerConnection.instances).toHaveLength(1);
    expect(ctx.client.state).toBe('playing');
  });

  it('tells the user when the browser refuses the parameters, and keeps playing', async () => {
    const ctx = setup();
    const pc = await connected(ctx);
    await flush();
    pc.transceivers[0].t.sender.failWith = namedError('InvalidModificationError', 'no can do');
    ctx.client.setQuality(caps);
    await flush();
    expect(ctx.notices).toEqual(['could not apply the quality settings to the camera: no can do']);
    expect(ctx.client.state).toBe('playing');
  });

  it('applies caps set while idle to the next session', async () => {
    const ctx = setup();
    ctx.client.setQuality(caps);
    await ctx.client.start({ constraints: { video: true }, iceServers: [], codec: 'VP8', quality: caps });
    await flush();
    expect(FakePeerConnection.last().transceivers[0].t.sender.parameters.encodings[0].scaleResolutionDownBy).toBe(2);
  });
});
