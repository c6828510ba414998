import fixture from '../../kernel-bridge/test/fixtures/streamer-protocol.json';
import {
  candidateToJSON,
  DEGRADATIONS,
  FRONTEND_MESSAGE_TYPES,
  KERNEL_MESSAGE_TYPES,
  KERNEL_STATUSES,
  LIMITS,
  MAX_SDP_BYTES,
  parseKernelMessage,
  parseLog,
  parseQuality,
  QUALITY_FIELDS,
  QUALITY_LIMITS,
  STREAMER_STATE_KEYS,
  utf8Length,
  parseMode,
  STREAM_MODES,
  MEDIA_HEADER_BYTES,
  MEDIA_KINDS,
  MEDIA_VERSION,
  MEDIA_KEEPALIVE_MS,
  AUDIO_ACK_EVERY,
  parseMediaHeader,
  parseTransport,
  TRANSPORTS,
  writeMediaHeader,
} from '../streamer/protocol';
import { kernelStats } from './fakes';

const stats = kernelStats();

describe('parseKernelMessage', () => {
  it('accepts every message type of the protocol and keeps only its fields', () => {
    expect(parseKernelMessage({ type: 'answer', sdp: 'v=0\r\n', extra: 1 })).toEqual({
      ok: true,
      message: { type: 'answer', sdp: 'v=0\r\n' },
    });
    expect(
      parseKernelMessage({
        type: 'candidate',
        candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
      }),
    ).toEqual({
      ok: true,
      message: {
        type: 'candidate',
        candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
      },
    });
    expect(parseKernelMessage({ type: 'candidate', candidate: null })).toEqual({
      ok: true,
      message: { type: 'candidate', candidate: null },
    });
    expect(parseKernelMessage({ type: 'error', message: 'bad', fatal: true })).toEqual({
      ok: true,
      message: { type: 'error', message: 'bad', fatal: true },
    });
    expect(parseKernelMessage({ type: 'stopped', reason: 'new key' })).toEqual({
      ok: true,
      message: { type: 'stopped', reason: 'new key' },
    });
    expect(parseKernelMessage(stats)).toEqual({ ok: true, message: stats });
  });

  it.each([
    ['null', null],
    ['a string', 'answer'],
    ['an array', [{ type: 'answer', sdp: 'x' }]],
    ['no type', { sdp: 'x' }],
    ['an unknown type', { type: 'offer', sdp: 'x' }],
    ['an answer without sdp', { type: 'answer' }],
    ['an answer with empty sdp', { type: 'answer', sdp: '' }],
    ['an answer with numeric sdp', { type: 'answer', sdp: 42 }],
    ['a candidate message without candidate', { type: 'candidate' }],
    ['a candidate that is a string', { type: 'candidate', candidate: 'candidate:1' }],
    ['a candidate without candidate line', { type: 'candidate', candidate: { sdpMid: '0' } }],
    ['a candidate with no mid or index', { type: 'candidate', candidate: { candidate: 'candidate:1' } }],
    ['a candidate with a bad index', { type: 'candidate', candidate: { candidate: 'c', sdpMLineIndex: -1 } }],
    ['a candidate with a fractional index', { type: 'candidate', candidate: { candidate: 'c', sdpMLineIndex: 0.5 } }],
    ['a candidate with numeric mid', { type: 'candidate', candidate: { candidate: 'c', sdpMid: 0 } }],
    ['a candidate line over 1 KiB', { type: 'candidate', candidate: { candidate: 'x'.repeat(5000), sdpMid: '0' } }],
    ['an error without fatal', { type: 'error', message: 'x' }],
    ['an error with string fatal', { type: 'error', message: 'x', fatal: 'yes' }],
    ['an error without message', { type: 'error', fatal: false }],
    ['a stopped without reason', { type: 'stopped' }],
    ['stats with a missing field', { ...stats, transform_ms: undefined }],
    ['stats with a string field', { ...stats, fps_in: '30' }],
    ['stats with NaN', { ...stats, dropped: NaN }],
    ['stats with Infinity', { ...stats, decode_ms: Infinity }],
    ['stats with a negative field', { ...stats, encode_ms: -1 }],
    ['stats with a NaN stage count', { ...stats, fps: { ...stats.fps, decoded: NaN } }],
    ['stats without the per-stage rates', { ...stats, fps: undefined }],
    ['stats with an infinite round-trip time', { ...stats, rtt_ms: Infinity }],
    ['stats with a loss fraction over 1', { ...stats, loss_out: 2 }],
  ])('rejects %s', (_name, data) => {
    const result = parseKernelMessage(data);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toEqual(expect.any(String));
      expect(result.reason.length).toBeGreaterThan(0);
    }
  });

  it('limits SDP to 64 KiB, counted in UTF-8 bytes', () => {
    const header = 'v=0\r\n';
    const atLimit = header + 'a'.repeat(MAX_SDP_BYTES - header.length);
    expect(parseKernelMessage({ type: 'answer', sdp: atLimit }).ok).toBe(true);
    expect(parseKernelMessage({ type: 'answer', sdp: atLimit + 'a' }).ok).toBe(false);
    // 'é' is two bytes: fewer characters than the limit, more bytes.
    const multiByte = 'é'.repeat(MAX_SDP_BYTES / 2 + 1);
    expect(multiByte.length).toBeLessThan(MAX_SDP_BYTES);
    const result = parseKernelMessage({ type: 'answer', sdp: multiByte });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('65536') });
  });

  it('counts UTF-8 bytes like TextEncoder', () => {
    const cases: [string, number][] = [
      ['', 0],
      ['abc', 3],
      ['é', 2],
      ['€', 3],
      ['😀', 4],
      ['a😀é€', 10],
      ['\ud800x', 4], // a lone surrogate encodes as U+FFFD (3 bytes)
    ];
    for (const [text, bytes] of cases) {
      expect(utf8Length(text)).toBe(bytes);
    }
  });

  it('limits error text', () => {
    expect(parseKernelMessage({ type: 'error', message: 'x'.repeat(4096), fatal: false }).ok).toBe(true);
    expect(parseKernelMessage({ type: 'error', message: 'x'.repeat(4097), fatal: false }).ok).toBe(false);
  });
});

describe('candidateToJSON', () => {
  it('keeps only the RTCIceCandidateInit fields and maps null to null', () => {
    expect(candidateToJSON(null)).toBeNull();
    const line = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host';
    const fromBrowser = {
      candidate: line,
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: null,
      toJSON() {
        return { candidate: line, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null };
      },
      port: 50000,
    } as unknown as RTCIceCandidate;
    expect(candidateToJSON(fromBrowser)).toEqual({
      candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    });
  });
});

/**
 * The examples and limits the kernel's protocol.ts is tested against too
 * (kernel-bridge/test/fixtures/streamer-protocol.json, see its $comment).
 */
interface IExample {
  message: unknown;
  parsed?: unknown;
  why?: string;
  fill?: { path: string[]; length: string; plus?: number };
  /** Makes the array at `path` its first element `count` (+ plus) times, then its other elements. */
  repeat?: { path: (string | number)[]; count: string | number; plus?: number }[];
}
const limits: Record<string, number> = fixture.limits;
const toKernel = fixture.frontend_to_kernel;
const fromKernel: {
  valid: Record<string, IExample[]>;
  invalid: IExample[];
} = fixture.kernel_to_frontend;

/** `message` with the string at `fill.path` padded to the limit (+ plus), and its `repeat` arrays repeated. */
function filled(message: unknown, fill: IExample['fill'], repeat?: IExample['repeat']): unknown {
  const copy = JSON.parse(JSON.stringify(message));
  for (const { path, count, plus } of repeat ?? []) {
    let parent = copy;
    for (const key of path.slice(0, -1)) {
      parent = parent[key];
    }
    const last = path[path.length - 1];
    const list = parent[last] as unknown[];
    const times = (typeof count === 'number' ? count : limits[count]) + (plus ?? 0);
    parent[last] = [...Array.from({ length: times }, () => JSON.parse(JSON.stringify(list[0]))), ...list.slice(1)];
  }
  if (fill) {
    let parent = copy;
    for (const key of fill.path.slice(0, -1)) {
      parent = parent[key];
    }
    const last = fill.path[fill.path.length - 1];
    const size = limits[fill.length] + (fill.plus ?? 0);
    parent[last] = parent[last].padEnd(size, 'a');
  }
  return copy;
}

describe('the protocol shared with the kernel', () => {
  it('has the same limits', () => {
    expect(LIMITS).toEqual(limits);
  });

  it('has the same message types in each direction', () => {
    expect([...KERNEL_MESSAGE_TYPES].sort()).toEqual(Object.keys(fromKernel.valid).sort());
    expect([...FRONTEND_MESSAGE_TYPES].sort()).toEqual(Object.keys(toKernel.valid).sort());
  });

  it('has the same synced state keys and kernel_status values', () => {
    expect([...STREAMER_STATE_KEYS].sort()).toEqual([...fixture.state.keys].sort());
    expect([...KERNEL_STATUSES]).toEqual(fixture.state.kernel_status);
  });

  it('has the same stream modes, and reads only those from the mode trait', () => {
    expect([...STREAM_MODES]).toEqual(fixture.state.mode);
    for (const mode of fixture.state.mode) {
      expect(parseMode(mode)).toBe(mode);
    }
    expect(parseMode('both')).toBeNull();
    expect(parseMode(undefined)).toBeNull();
  });

  const valid = Object.entries(fromKernel.valid).flatMap(([type, examples]) =>
    examples.map((example) => [type, example] as const),
  );
  it.each(valid)('accepts a valid %s message', (type, example) => {
    const result = parseKernelMessage(filled(example.message, example.fill, example.repeat));
    const expected = filled(example.parsed ?? example.message, example.fill, example.repeat);
    expect(result).toEqual({ ok: true, message: expected });
    expect(result.ok && result.message.type).toBe(type);
  });

  it.each(fromKernel.invalid.map((example) => [example.why, example] as const))('rejects %s', (_why, example) => {
    const result = parseKernelMessage(filled(example.message, example.fill, example.repeat));
    expect(result).toEqual({ ok: false, reason: expect.any(String) });
  });
});

describe('parseLog (the log trait, with the fixture limits)', () => {
  it('keeps the last MAX_LOG_LINES strings, each cut to MAX_LOG_LINE_LENGTH', () => {
    const count = limits.MAX_LOG_LINES;
    const length = limits.MAX_LOG_LINE_LENGTH;
    const sent = Array.from({ length: count + 5 }, (_, i) => `line ${i}`);
    sent.push('a'.repeat(length + 1));
    const shown = parseLog(sent);
    expect(shown).toHaveLength(count);
    expect(shown[0]).toBe('line 6');
    expect(shown[count - 1]).toBe('a'.repeat(length - 1) + '…');
    expect(parseLog(['a'.repeat(length)])).toEqual(['a'.repeat(length)]);
    expect(parseLog(['ok', 3, null])).toEqual(['ok']);
    expect(parseLog(undefined)).toEqual([]);
  });
});

describe('the quality state shared with the kernel (fixture "quality")', () => {
  const quality: {
    limits: Record<string, number>;
    fields: string[];
    degradations: string[];
    valid: { value: unknown; parsed?: unknown }[];
    invalid: { why: string; value: unknown }[];
  } = fixture.quality;

  it('has the same limits, fields and degradations', () => {
    expect(QUALITY_LIMITS).toEqual(quality.limits);
    expect([...QUALITY_FIELDS]).toEqual(quality.fields);
    expect([...DEGRADATIONS]).toEqual(quality.degradations);
  });

  it.each(quality.valid.map((example) => [JSON.stringify(example.value), example] as const))(
    'accepts %s',
    (_name, example) => {
      expect(parseQuality(example.value)).toEqual({ ok: true, quality: example.parsed ?? example.value });
    },
  );

  it.each(quality.invalid.map((example) => [example.why, example] as const))('rejects %s', (_why, example) => {
    expect(parseQuality(example.value)).toEqual({ ok: false, reason: expect.stringMatching(/quality/) });
  });
});

describe('the kernel transport shared with the kernel (fixture "media_header")', () => {
  const media = fixture.media_header;
  const bytesOf = (hex: string) => new Uint8Array(hex.match(/../g)!.map((byte) => parseInt(byte, 16)));
  const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

  it('has the same header layout, version and kinds', () => {
    expect(MEDIA_HEADER_BYTES).toBe(media.header_bytes);
    expect(MEDIA_VERSION).toBe(media.version);
    expect(MEDIA_KINDS).toEqual(media.kinds);
    expect(MEDIA_KEEPALIVE_MS).toBe(media.keepalive_ms);
    expect(AUDIO_ACK_EVERY).toBe(media.audio_ack_every);
  });

  it.each(media.valid.map((v) => [v.hex, v] as const))('reads %s, and writes the same header back', (hex, v) => {
    const bytes = bytesOf(hex);
    const parsed = parseMediaHeader(bytes);
    expect(parsed).toEqual({ ok: true, header: v.parsed });
    if (!parsed.ok) {
      return;
    }
    const again = new Uint8Array(bytes.byteLength);
    again.set(bytes.subarray(MEDIA_HEADER_BYTES), MEDIA_HEADER_BYTES);
    const h = parsed.header;
    writeMediaHeader(again, h.kind, h.seq, h.key, h.timestamp, h.ack);
    expect(hexOf(again)).toBe(hex);
  });

  it.each(media.invalid.map((v) => [v.why, v] as const))('rejects a header: %s', (_why, v) => {
    expect(parseMediaHeader(bytesOf(v.hex))).toEqual({ ok: false, reason: expect.stringMatching(/media/) });
  });

  it('rejects an audio packet over MAX_AUDIO_MEDIA_BYTES, saying so', () => {
    const bytes = new Uint8Array(MEDIA_HEADER_BYTES + limits.MAX_AUDIO_MEDIA_BYTES + media.audio_too_large.plus);
    writeMediaHeader(bytes, 'audio', 0, false, 20);
    expect(parseMediaHeader(bytes)).toEqual({
      ok: false,
      reason: 'an audio media message carries 1 to 1275 bytes of Opus',
    });
    expect(parseMediaHeader(bytes.subarray(0, bytes.byteLength - 1)).ok).toBe(true);
  });

  it('rejects a video frame over MAX_MEDIA_BYTES', () => {
    const bytes = new Uint8Array(MEDIA_HEADER_BYTES + limits.MAX_MEDIA_BYTES + media.too_large.plus);
    writeMediaHeader(bytes, 'video', 0, true, 0);
    expect(parseMediaHeader(bytes).ok).toBe(false);
    expect(parseMediaHeader(bytes.subarray(0, bytes.byteLength - 1)).ok).toBe(true);
  });

  it('has the same transports, and reads only those from the transport trait', () => {
    expect([...TRANSPORTS]).toEqual(fixture.state.transport);
    for (const transport of fixture.state.transport) {
      expect(parseTransport(transport)).toBe(transport);
    }
    expect(parseTransport(null)).toBeNull();
    expect(parseTransport('udp')).toBeNull();
  });
});
