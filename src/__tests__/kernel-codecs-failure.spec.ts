/**
 * The kernel transport when its codecs cannot run: codecs that cannot be made (a worker refused by
 * the page's CSP, a stream that cannot be transferred) end in the in-page codecs or in an error
 * state, never in "connecting" forever; a codec worker that fails later ends the session, never a
 * silent "playing". The codec worker itself is the jest stub, which cannot start.
 */
import { DEFAULT_QUALITY } from '../settings';
import type { IKernelCodecs } from '../streamer/kernel-transport';
import { FrontendMessage } from '../streamer/protocol';
import { ISignallingOptions, SignallingClient } from '../streamer/signalling';
import { FakeMediaDevices, FakePeerConnection, VIDEO_CAPABILITIES } from './fakes';

class IdleCodecs implements IKernelCodecs {
  onDecodeError: (() => void) | null = null;
  readonly output = null;
  closed = false;
  encodeCamera(): void {}
  forceKeyframe(): void {}
  decode(): boolean {
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

async function kernelSession(createKernelCodecs?: ISignallingOptions['createKernelCodecs']) {
  const sent: FrontendMessage[] = [];
  const states: string[] = [];
  const notices: string[] = [];
  const devices = new FakeMediaDevices();
  const client = new SignallingClient({
    send: (m) => sent.push(m),
    sendMedia: () => undefined,
    getUserMedia: (c) => devices.getUserMedia(c),
    createPeerConnection: (config) => new FakePeerConnection(config),
    getCodecCapabilities: () => VIDEO_CAPABILITIES,
    createKernelCodecs,
    kernelTransportUnsupported: () => null,
  });
  client.stateChanged.connect((_, { state, detail }) => states.push(detail ? `${state}: ${detail}` : state));
  client.notice.connect((_, n) => notices.push(n));
  await client.start({
    constraints: { video: true },
    iceServers: [],
    codec: 'VP8',
    quality: DEFAULT_QUALITY,
    transport: 'kernel',
  });
  await client.handleMessage({ type: 'kernel_transport_ready' });
  return { client, sent, states, notices };
}

describe('the kernel transport when its codecs fail', () => {
  const g = globalThis as Record<string, unknown>;
  afterEach(() => {
    delete g.Worker;
    delete g.MediaStreamTrackProcessor;
    jest.restoreAllMocks();
  });

  it('codecs that cannot be made: an error naming why, and stop sent; not "connecting" forever', async () => {
    const ctx = await kernelSession(() => {
      throw new Error('DataCloneError: could not transfer');
    });
    expect(ctx.client.state).toBe('error');
    expect(ctx.client.statusText).toBe(
      'error: could not start the kernel connection: DataCloneError: could not transfer',
    );
    expect(ctx.sent.at(-1)).toEqual({ type: 'stop' });
  });

  it('a worker that cannot start: the codecs run in the page, saying why, and the session plays', async () => {
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    g.Worker = class {}; // a browser with workers; the jest stub of startCodecWorker throws, as a CSP would
    let cameraRead = 0;
    g.MediaStreamTrackProcessor = class {
      readonly readable = {
        getReader: () => ({ read: () => (cameraRead++, new Promise(() => undefined)), cancel: async () => undefined }),
      };
    };
    const ctx = await kernelSession();
    expect(ctx.client.state).toBe('playing');
    expect(ctx.notices).toEqual([
      'the codec worker could not start (no codec worker in unit tests): the codecs run in the page',
    ]);
    expect(cameraRead).toBe(1); // the in-page codecs read the camera
    ctx.client.stop();
  });

  it('a codec worker that fails later ends the session with its reason, and tells the kernel', async () => {
    const codecs = new IdleCodecs();
    let fatal: ((message: string) => void) | null = null;
    const ctx = await kernelSession((_bitrate, _onError, onFatal) => {
      fatal = onFatal;
      return codecs;
    });
    expect(ctx.client.state).toBe('playing');
    fatal!('its script did not load');
    expect(ctx.client.state).toBe('error');
    expect(ctx.client.statusText).toBe("error: the kernel connection's codec worker failed: its script did not load");
    expect(codecs.closed).toBe(true);
    expect(ctx.sent.at(-1)).toEqual({ type: 'stop' });
    fatal!('again'); // the session is over: nothing more
    expect(ctx.states.filter((s) => s.startsWith('error'))).toHaveLength(1);
  });

  it('closes the video codecs and fails the session clearly when the audio codecs throw', async () => {
    const codecs = new IdleCodecs();
    const states: string[] = [];
    const devices = new FakeMediaDevices();
    const client = new SignallingClient({
      send: () => undefined,
      sendMedia: () => undefined,
      getUserMedia: (c) => devices.getUserMedia(c),
      createPeerConnection: (config) => new FakePeerConnection(config),
      getCodecCapabilities: () => VIDEO_CAPABILITIES,
      createKernelCodecs: () => codecs,
      kernelTransportUnsupported: () => null,
      createKernelAudioCodecs: () => {
        throw new Error('no AudioDecoder here');
      },
      kernelAudioUnsupported: () => null,
    });
    client.stateChanged.connect((_, { state, detail }) => states.push(detail ? `${state}: ${detail}` : state));
    await client.start({
      constraints: { video: true, audio: true },
      iceServers: [],
      codec: 'VP8',
      quality: DEFAULT_QUALITY,
      transport: 'kernel',
      audio: true,
    });
    await client.handleMessage({ type: 'kernel_transport_ready' });
    expect(codecs.closed).toBe(true);
    expect(states.filter((s) => s.startsWith('error')).join('\n')).toMatch(
      /could not start the kernel connection: the audio could not start: no AudioDecoder here/,
    );
  });
});
