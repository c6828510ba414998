/**
 * @jest-environment ./test/media/native-env.js
 *
 * The streamer widget's kernel-transport sessions as a whole, over a fake comm: the notebook's
 * transport "webrtc" refuses them. (kernel-transport.test.ts tests the link itself.)
 */
import { WebRtcStreamer, type StreamerOptions } from '../../src/streamer/streamer';
import { FakeComm, FakeKernel, freshKernel } from '../widgets/fake-kernel';
import { customs, until } from './comm-helpers';

let kernel: FakeKernel;
const open: WebRtcStreamer[] = [];

function start(options: StreamerOptions): { streamer: WebRtcStreamer; comm: FakeComm } {
  const streamer = new WebRtcStreamer(options);
  open.push(streamer);
  return { streamer, comm: kernel.comm(streamer.modelId) };
}

const send = (comm: FakeComm, content: object) => comm.receive({ method: 'custom', content: content as never });

beforeEach(() => {
  kernel = freshKernel();
});

afterEach(() => {
  for (const streamer of open.splice(0)) streamer.close();
});

describe('streamer kernel-transport sessions', () => {
  it('transport "webrtc": a use_kernel_transport is refused with a clear, fatal error', async () => {
    const { streamer, comm } = start({ key: 'kt-refused', transport: 'webrtc' });
    send(comm, { type: 'use_kernel_transport', reason: 'WebRTC did not connect within 5 s' });
    await until(() => customs(comm, 'error').length > 0, 'the error');
    expect(customs(comm, 'error')).toEqual([
      {
        type: 'error',
        message:
          'the kernel transport is refused: this stream\'s transport is "webrtc" (webrtcStreamer({ transport })); use "auto" or "kernel" to allow it',
        fatal: true,
      },
    ]);
    expect(customs(comm, 'kernel_transport_ready')).toEqual([]);
    expect(streamer.get('kernel_status')).toBe('error');
  });

  it('transport "auto": the same request is served', async () => {
    const { streamer, comm } = start({ key: 'kt-auto', transport: 'auto' });
    send(comm, { type: 'use_kernel_transport', reason: 'test' });
    await until(() => customs(comm, 'kernel_transport_ready').length > 0, 'ready');
    expect(streamer.get('kernel_status')).toBe('playing');
    expect(customs(comm, 'error')).toEqual([]);
  });
});
