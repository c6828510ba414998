/**
 * The version handshake, frontend side (src/streamer/handshake.ts): the same versions, limits and
 * mismatch texts as the kernel (the fixture's "handshake"); a model whose kernel states its
 * protocol says hello with ours; a kernel of another protocol gets the upgrade text in the view
 * and no session (Start, or start() from the notebook, is refused with it).
 */
import fixture from '../../kernel-bridge/test/fixtures/streamer-protocol.json';
import { SettingsStore } from '../settings';
import {
  EXTENSION_PACKAGE,
  KERNEL_PACKAGE,
  parsePackageVersion,
  parseProtocolVersion,
  STREAMER_PROTOCOL_VERSION,
  versionMismatch,
} from '../streamer/handshake';
import { streamerEnvironment } from '../streamer/view';
import { MODULE_VERSION } from '../version';
import { FakeMediaDevices, FakePeerConnection, FakeStream, flush, VIDEO_CAPABILITIES } from './fakes';
import { FakeWidgets } from './widget-fakes';

const { handshake } = fixture;

describe('the version handshake (fixture "handshake")', () => {
  it('speaks the same protocol version and names the same packages as the kernel', () => {
    expect(STREAMER_PROTOCOL_VERSION).toBe(handshake.protocol_version);
    expect({ extension: EXTENSION_PACKAGE, kernel: KERNEL_PACKAGE }).toEqual(handshake.packages);
  });

  it.each(handshake.mismatch.map((c) => [c.kernel.protocol, c.extension.protocol, c] as const))(
    'kernel protocol %i, browser protocol %i: the shared text',
    (_k, _e, c) => {
      expect(versionMismatch(c.kernel, c.extension)).toBe(c.text);
    },
  );

  it("accepts exactly the fixture's valid protocol and package versions", () => {
    for (const v of handshake.protocol_versions.valid) expect(parseProtocolVersion(v)).toBe(v);
    for (const v of handshake.protocol_versions.invalid) expect(parseProtocolVersion(v)).toBeNull();
    for (const v of handshake.package_versions.valid) expect(parsePackageVersion(v)).toBe(v);
    for (const v of handshake.package_versions.invalid) expect(parsePackageVersion(v)).toBeNull();
  });
});

describe('the streamer widget and the kernel of another version', () => {
  const widgets = new FakeWidgets();
  let devices: FakeMediaDevices;

  beforeEach(() => {
    FakePeerConnection.instances = [];
    devices = new FakeMediaDevices();
    const settings = new SettingsStore();
    streamerEnvironment.create = () => ({
      devices,
      createPeerConnection: (config) => new FakePeerConnection(config),
      getCodecCapabilities: () => VIDEO_CAPABILITIES,
      makeStream: () => new FakeStream() as unknown as MediaStream,
      settings,
    });
  });

  afterEach(() => widgets.dispose());

  function widget(state: Record<string, unknown>) {
    const { model, comm } = widgets.model(state);
    return { model, view: widgets.view(model), customs: () => comm.customs() };
  }

  it('says hello with its versions to a kernel that states its protocol, and streams', async () => {
    const { view, customs } = widget({ protocol_version: STREAMER_PROTOCOL_VERSION, kernel_version: '0.1.0' });
    expect(customs()).toEqual([
      { type: 'hello', protocol_version: STREAMER_PROTOCOL_VERSION, extension_version: MODULE_VERSION },
    ]);
    expect(view.el.querySelector<HTMLElement>('.jp-webrtc-error')!.hidden).toBe(true);
    await view.startStreaming();
    await flush();
    expect(customs().map((m) => m.type)).toContain('offer');
  });

  it('sends exactly one hello through the comm, however often the state changes or views render', async () => {
    const { model, comm } = widgets.model({ protocol_version: STREAMER_PROTOCOL_VERSION, kernel_version: '0.1.0' });
    widgets.view(model);
    model.set('protocol_version', STREAMER_PROTOCOL_VERSION);
    model.set('kernel_version', '0.1.1');
    widgets.view(model);
    await flush();
    const hellos = comm.sent.filter((d) => d.method === 'custom' && d.content.type === 'hello');
    expect(hellos).toEqual([
      {
        method: 'custom',
        content: { type: 'hello', protocol_version: STREAMER_PROTOCOL_VERSION, extension_version: MODULE_VERSION },
      },
    ]);
  });

  it('says no hello to a kernel from before the handshake (no protocol_version trait)', () => {
    const { comm } = widgets.model({ key: 'k' });
    expect(comm.customs().filter((m) => m.type === 'hello')).toEqual([]);
  });

  it('shows which side to upgrade and starts nothing when the kernel speaks a newer protocol', async () => {
    const newer = STREAMER_PROTOCOL_VERSION + 1;
    const { model, view, customs } = widget({ protocol_version: newer, kernel_version: '9.1.0' });
    const text = versionMismatch(
      { protocol: newer, version: '9.1.0' },
      { protocol: STREAMER_PROTOCOL_VERSION, version: MODULE_VERSION },
    );
    expect(text).toContain(`pip install -U ${EXTENSION_PACKAGE} and reload the page`);
    const error = view.el.querySelector<HTMLElement>('.jp-webrtc-error')!;
    expect(error.hidden).toBe(false);
    expect(error.textContent).toContain(text);
    expect(model.versionMismatch).toBe(text);

    await view.startStreaming();
    await flush();
    expect(FakePeerConnection.instances).toEqual([]);
    expect(devices.constraints).toEqual([]); // the camera was not opened
    expect(customs().filter((m) => m.type !== 'hello')).toEqual([
      { type: 'browser_status', state: 'error', detail: text },
    ]);
  });

  it('treats a malformed protocol version as protocol 0: the kernel package is the one to upgrade', () => {
    const { model, customs } = widget({ protocol_version: 'two', kernel_version: 'a b' });
    expect(model.versionMismatch).toBe(
      versionMismatch({ protocol: 0, version: '' }, { protocol: STREAMER_PROTOCOL_VERSION, version: MODULE_VERSION }),
    );
    expect(model.versionMismatch).toContain(`npm install -g ${KERNEL_PACKAGE}@${MODULE_VERSION}`);
    expect(customs()[0]).toEqual(expect.objectContaining({ type: 'hello' }));
  });
});
