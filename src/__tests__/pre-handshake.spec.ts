/**
 * A kernel from before the version handshake (no `protocol_version` trait) speaks protocol 1
 * (docs/design.md, "Version handshake"), whatever this extension's protocol is: here the extension
 * is made to speak protocol 2, and such a kernel must get the upgrade text, not pass as its equal.
 */
import { SettingsStore } from '../settings';
import { KERNEL_PACKAGE, PRE_HANDSHAKE_PROTOCOL_VERSION } from '../streamer/handshake';
import { streamerEnvironment } from '../streamer/view';
import { FakeMediaDevices, FakePeerConnection, FakeStream, VIDEO_CAPABILITIES } from './fakes';
import { FakeWidgets } from './widget-fakes';

jest.mock('../streamer/handshake', () => ({
  ...jest.requireActual('../streamer/handshake'),
  STREAMER_PROTOCOL_VERSION: 2,
}));

describe('a kernel from before the handshake, with an extension of a later protocol', () => {
  const widgets = new FakeWidgets();
  beforeEach(() => {
    const settings = new SettingsStore();
    streamerEnvironment.create = () => ({
      devices: new FakeMediaDevices(),
      createPeerConnection: (config) => new FakePeerConnection(config),
      getCodecCapabilities: () => VIDEO_CAPABILITIES,
      makeStream: () => new FakeStream() as unknown as MediaStream,
      settings,
    });
  });
  afterEach(() => widgets.dispose());

  it('reads the missing trait as protocol 1 and says to upgrade the kernel; no hello', () => {
    const { model, comm } = widgets.model({ key: 'k' });
    expect(PRE_HANDSHAKE_PROTOCOL_VERSION).toBe(1);
    expect(model.get('protocol_version')).toBe(PRE_HANDSHAKE_PROTOCOL_VERSION);
    expect(model.versionMismatch).toContain(KERNEL_PACKAGE);
    expect(comm.customs().filter((m) => m.type === 'hello')).toEqual([]);
  });
});
