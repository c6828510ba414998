/**
 * @jest-environment ./test/media/native-env.js
 *
 * The version handshake, kernel side (src/streamer/handshake.ts): the same versions, limits and
 * mismatch texts as the frontend (the fixture's "handshake"), the version state the widget opens
 * with, and a browser whose `hello` names another protocol: told in the widget's log and the
 * kernel's log, and its Start refused with the upgrade text instead of a half-working stream.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { firstValueFrom, filter } from 'rxjs';
import {
  EXTENSION_PACKAGE,
  KERNEL_PACKAGE,
  parsePackageVersion,
  parseProtocolVersion,
  STREAMER_PROTOCOL_VERSION,
  versionMismatch,
} from '../../src/streamer/handshake';
import { webrtcStreamer } from '../../src/streamer';
import { freshKernel } from '../widgets/fake-kernel';
import { customs, until } from './comm-helpers';

interface ISide {
  protocol: number;
  version: string;
}
const { handshake } = JSON.parse(readFileSync(join(__dirname, '../fixtures/streamer-protocol.json'), 'utf8')) as {
  handshake: {
    protocol_version: number;
    packages: { extension: string; kernel: string };
    mismatch: { kernel: ISide; extension: ISide; text: string }[];
    protocol_versions: { valid: unknown[]; invalid: unknown[] };
    package_versions: { valid: unknown[]; invalid: unknown[] };
  };
};
const KERNEL_VERSION = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string })
  .version;

describe('the version handshake (fixture "handshake")', () => {
  it('speaks the same protocol version and names the same packages as the frontend', () => {
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

describe("the streamer widget and the browser's hello", () => {
  it('opens with its protocol and package version, and any module version of the extension', () => {
    const kernel = freshKernel();
    const streamer = webrtcStreamer({ key: 'handshake-state' });
    try {
      const state = kernel.opened.find((o) => o.comm.id === streamer.modelId)!.data.state as Record<string, unknown>;
      expect(state.protocol_version).toBe(STREAMER_PROTOCOL_VERSION);
      expect(state.kernel_version).toBe(KERNEL_VERSION);
      expect(state._model_module_version).toBe('*');
      expect(state._view_module_version).toBe('*');
    } finally {
      streamer.close();
    }
  });

  it('refuses to stream with a browser of another protocol, saying what to upgrade', async () => {
    const kernel = freshKernel();
    const streamer = webrtcStreamer({ key: 'handshake-mismatch' });
    try {
      const comm = kernel.comm(streamer.modelId);
      const hello = { type: 'hello', protocol_version: STREAMER_PROTOCOL_VERSION + 1, extension_version: '9.0.0' };
      comm.receive({ method: 'custom', content: hello });
      const expected = versionMismatch(
        { protocol: STREAMER_PROTOCOL_VERSION, version: KERNEL_VERSION },
        { protocol: STREAMER_PROTOCOL_VERSION + 1, version: '9.0.0' },
      );
      expect(expected).toContain(`npm install -g ${KERNEL_PACKAGE}@9.0.0`);
      const lines = await firstValueFrom(streamer.observe('log').pipe(filter((l) => l.length > 0)));
      expect(lines).toEqual([expect.stringContaining(expected)]);
      expect(kernel.logs.join('\n')).toContain(expected);

      comm.receive({ method: 'custom', content: { type: 'offer', sdp: 'v=0\r\n', ice_servers: [] } });
      await until(() => customs(comm, 'error').length > 0, 'the refusal');
      expect(customs(comm, 'error')).toEqual([{ type: 'error', message: expected, fatal: true }]);
      expect(customs(comm, 'answer')).toEqual([]);
      await until(() => streamer.get('kernel_status') === 'error', 'the error status');
    } finally {
      streamer.close();
    }
  });

  it('takes a hello of its own protocol quietly and reports a malformed one, not fatally', async () => {
    const kernel = freshKernel();
    const streamer = webrtcStreamer({ key: 'handshake-match' });
    try {
      const comm = kernel.comm(streamer.modelId);
      const hello = { type: 'hello', protocol_version: STREAMER_PROTOCOL_VERSION, extension_version: '0.1.7' };
      comm.receive({ method: 'custom', content: hello });
      comm.receive({ method: 'custom', content: { type: 'hello', protocol_version: 'one', extension_version: '' } });
      await until(() => customs(comm, 'error').length > 0, 'the malformed hello reported');
      expect(customs(comm, 'error')).toEqual([
        expect.objectContaining({ fatal: false, message: expect.stringContaining('hello') }),
      ]);
      expect(streamer.get('log').filter((l) => l.includes('newer'))).toEqual([]);
    } finally {
      streamer.close();
    }
  });
});
