import { readFileSync } from 'fs';
import { join } from 'path';
import type { JSONValue } from '../../src/kernel/api';
import {
  AUDIO_STATS_STAGES,
  fitToLimits,
  FRONTEND_MESSAGE_TYPES,
  KERNEL_MESSAGE_TYPES,
  KERNEL_STATUSES,
  KernelMessage,
  LIMITS,
  MAX_SDP_BYTES,
  MAX_TEXT_LENGTH,
  parseFrontendMessage,
  STATS_STAGES,
  parseQuality,
  DEGRADATIONS,
  QUALITY_FIELDS,
  QUALITY_LIMITS,
  STREAMER_STATE_KEYS,
  STREAM_MODES,
  TRANSPORTS,
  parseMediaHeader,
  writeMediaHeader,
  MEDIA_HEADER_BYTES,
  MEDIA_KINDS,
  MEDIA_VERSION,
  MEDIA_KEEPALIVE_MS,
  AUDIO_ACK_EVERY,
} from '../../src/streamer/protocol';
import { MAX_OFFER_MLINES } from '../../src/rtc/protocol';
import { streamerTraits } from '../../src/streamer/state';

describe('signalling message validation', () => {
  it('accepts an offer, candidates (and the end-of-candidates null) and stop', () => {
    expect(parseFrontendMessage({ type: 'offer', sdp: 'v=0\r\n' })).toEqual({
      type: 'offer',
      sdp: 'v=0\r\n',
      ice_servers: [],
    });
    const fourMLines = 'v=0\r\n' + 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\n'.repeat(MAX_OFFER_MLINES);
    expect(parseFrontendMessage({ type: 'offer', sdp: fourMLines })).toEqual({
      type: 'offer',
      sdp: fourMLines,
      ice_servers: [],
    });
    expect(
      parseFrontendMessage({
        type: 'offer',
        sdp: 'v=0\r\n',
        ice_servers: [
          { urls: 'turn:relay.example:3478', username: 'u', credential: 'c' },
          { urls: ['stun:a', 'stun:b'] },
        ],
      }),
    ).toEqual({
      type: 'offer',
      sdp: 'v=0\r\n',
      ice_servers: [
        { urls: ['turn:relay.example:3478'], username: 'u', credential: 'c' },
        { urls: ['stun:a', 'stun:b'] },
      ],
    });
    expect(
      parseFrontendMessage({
        type: 'candidate',
        candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
      }),
    ).toEqual({
      type: 'candidate',
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    });
    expect(parseFrontendMessage({ type: 'candidate', candidate: null })).toEqual({
      type: 'candidate',
      candidate: null,
    });
    expect(parseFrontendMessage({ type: 'stop' })).toEqual({ type: 'stop' });
  });

  it.each([
    [null, /must be an object/],
    [[1, 2], /must be an object/],
    ['offer', /must be an object/],
    [{}, /unknown signalling message type null/],
    [{ type: 'teleport' }, /unknown signalling message type "teleport"/],
    [{ type: 'offer' }, /offer.sdp must be an SDP string/],
    [{ type: 'offer', sdp: 42 }, /offer.sdp must be an SDP string/],
    [{ type: 'offer', sdp: 'hello' }, /offer.sdp must be an SDP string/],
    [{ type: 'offer', sdp: 'v=0' + 'a'.repeat(MAX_SDP_BYTES) }, /larger than 65536 bytes/],
    [{ type: 'offer', sdp: 'v=0', ice_servers: 'stun:x' }, /ice_servers must be a list/],
    [{ type: 'offer', sdp: 'v=0', ice_servers: [{ urls: 'http://evil' }] }, /urls must be stun:\/turn: URLs/],
    [
      { type: 'offer', sdp: 'v=0', ice_servers: [{ urls: 'stun:x', credential: 5 }] },
      /username and credential must be strings/,
    ],
    [{ type: 'candidate', candidate: 'x' }, /RTCIceCandidateInit object or null/],
    [{ type: 'candidate', candidate: { candidate: 5 } }, /candidate.candidate must be a string/],
    [{ type: 'candidate', candidate: { candidate: 'c', sdpMLineIndex: 'zero' } }, /sdpMLineIndex must be an integer/],
    [{ type: 'candidate', candidate: { candidate: 'c', sdpMid: 3 } }, /sdpMid must be a string/],
    // 50 unbundled m-lines cost 50 UDP sockets in werift: refused before the peer sees them
    [
      { type: 'offer', sdp: 'v=0\r\n' + 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\n'.repeat(50) },
      /offer.sdp has 50 m-lines; at most 4 are accepted/,
    ],
  ])('rejects %j with a clear error', (message, reason) => {
    expect(() => parseFrontendMessage(message as never)).toThrow(reason);
  });
});

/** The examples and limits the frontend's protocol.ts is tested against too (see its $comment). */
interface Example {
  message: JSONValue;
  parsed?: JSONValue;
  why?: string;
  fill?: { path: string[]; length: keyof typeof LIMITS; plus?: number };
  repeat?: Repeat[];
}
/** Makes the array at `path` its first element `count` (+ plus) times, then its other elements. */
interface Repeat {
  path: (string | number)[];
  count: string | number;
  plus?: number;
}
interface Direction {
  valid: Record<string, Example[]>;
  invalid: Example[];
}
const fixture: {
  limits: Record<string, number>;
  state: { keys: string[]; kernel_status: string[]; mode: string[]; transport: string[] };
  media_header: {
    header_bytes: number;
    version: number;
    kinds: Record<string, number>;
    valid: { hex: string; parsed: unknown }[];
    invalid: { why: string; hex: string }[];
    too_large: { plus: number };
    audio_too_large: { plus: number };
    keepalive_ms: number;
    audio_ack_every: number;
  };
  frontend_to_kernel: Direction;
  kernel_to_frontend: Direction;
  quality: {
    limits: Record<string, number>;
    fields: string[];
    degradations: string[];
    valid: { value: JSONValue; parsed?: JSONValue }[];
    invalid: { why: string; value: JSONValue }[];
  };
} = JSON.parse(readFileSync(join(__dirname, '../fixtures/streamer-protocol.json'), 'utf8'));

/** The example's message, its `fill` string padded with "a" to the limit (+ plus), its `repeat` arrays repeated. */
function messageOf({ message, fill, repeat }: Example): JSONValue {
  if (!fill && !repeat) return message;
  const copy = structuredClone(message) as Record<string, JSONValue>;
  for (const { path, count, plus } of repeat ?? []) {
    const parent = path
      .slice(0, -1)
      .reduce((object, key) => (object as Record<string | number, JSONValue>)[key], copy as JSONValue) as Record<
      string | number,
      JSONValue
    >;
    const list = parent[path[path.length - 1]] as JSONValue[];
    const times = (typeof count === 'number' ? count : fixture.limits[count]) + (plus ?? 0);
    parent[path[path.length - 1]] = [
      ...Array.from({ length: times }, () => structuredClone(list[0])),
      ...list.slice(1),
    ];
  }
  if (!fill) return copy;
  const parent = fill.path.slice(0, -1).reduce((object, key) => object[key] as Record<string, JSONValue>, copy);
  const key = fill.path[fill.path.length - 1];
  parent[key] = (parent[key] as string).padEnd(fixture.limits[fill.length] + (fill.plus ?? 0), 'a');
  return copy;
}

describe('the protocol shared with the frontend (test/fixtures/streamer-protocol.json)', () => {
  const { valid, invalid } = fixture.frontend_to_kernel;
  const accepted = Object.entries(valid).flatMap(([type, examples]) =>
    examples.map((example) => [type, example] as const),
  );

  it('has the same limits', () => {
    expect(LIMITS).toEqual(fixture.limits);
  });

  it('has the same message types in each direction', () => {
    expect([...FRONTEND_MESSAGE_TYPES].sort()).toEqual(Object.keys(valid).sort());
    expect([...KERNEL_MESSAGE_TYPES].sort()).toEqual(Object.keys(fixture.kernel_to_frontend.valid).sort());
  });

  it('has the same synced state keys and kernel_status values', () => {
    expect([...STREAMER_STATE_KEYS].sort()).toEqual([...fixture.state.keys].sort());
    expect([...KERNEL_STATUSES]).toEqual(fixture.state.kernel_status);
    expect(Object.keys(streamerTraits())).toEqual(expect.arrayContaining(STREAMER_STATE_KEYS));
  });

  it('has the same stream modes, the first the default, the trait refusing others and the browser writing none', () => {
    expect([...STREAM_MODES]).toEqual(fixture.state.mode);
    const trait = streamerTraits().mode;
    expect(trait.default()).toBe(fixture.state.mode[0]);
    for (const mode of fixture.state.mode) expect(trait.validate(mode)).toBe(mode);
    expect(() => trait.validate('both')).toThrow(/one of sendrecv, sendonly, recvonly/);
    expect(trait.readOnly).toBe(true);
  });

  it.each(accepted)('accepts a valid %s message', (type, example) => {
    const parsed = parseFrontendMessage(messageOf(example));
    expect(parsed.type).toBe(type);
    expect(parsed).toEqual(example.parsed ? messageOf({ ...example, message: example.parsed }) : messageOf(example));
  });

  it.each(invalid.map((example) => [example.why, example] as const))('rejects %s', (_why, example) => {
    expect(() => parseFrontendMessage(messageOf(example))).toThrow(/./);
  });

  it('sends the valid kernel messages unchanged and cuts texts the frontend would reject', () => {
    for (const examples of Object.values(fixture.kernel_to_frontend.valid)) {
      for (const example of examples) {
        const message = messageOf(example) as unknown as KernelMessage;
        // stats are rebuilt field by field (fitted to the limits), so fields the browser drops go too
        expect(fitToLimits(message)).toEqual(message.type === 'stats' ? (example.parsed ?? message) : message);
      }
    }
    const long = 'x'.repeat(MAX_TEXT_LENGTH - 2) + '😀😀';
    const cut = fitToLimits({ type: 'error', message: long, fatal: true });
    expect(cut).toEqual({ type: 'error', message: 'x'.repeat(MAX_TEXT_LENGTH - 2) + '…', fatal: true });
    const reason = fitToLimits({ type: 'stopped', reason: 'y'.repeat(MAX_TEXT_LENGTH + 1) });
    expect(reason).toEqual({ type: 'stopped', reason: 'y'.repeat(MAX_TEXT_LENGTH - 1) + '…' });
  });

  it('sends stats the browser accepts: every figure finite and >= 0, the loss fraction at most 1', () => {
    const [example] = fixture.kernel_to_frontend.valid.stats;
    const valid = example.message as unknown as Extract<KernelMessage, { type: 'stats' }>;
    const broken = {
      ...valid,
      decode_ms: NaN,
      encode_ms: -3,
      kbps_in: Infinity,
      rtt_ms: -1,
      loss_out: 1.5,
      fps: { ...valid.fps, decoded: NaN },
      total: { ...valid.total, sent: -2 },
    };
    expect(fitToLimits(broken)).toEqual({
      ...valid,
      decode_ms: 0,
      encode_ms: 0,
      kbps_in: 0,
      rtt_ms: 0,
      loss_out: 1,
      fps: { ...valid.fps, decoded: 0 },
      total: { ...valid.total, sent: 0 },
    });
    // the stage names are the fixture's, in pipeline order
    expect(STATS_STAGES).toEqual(Object.keys(valid.total));
    const audioStats = fixture.kernel_to_frontend.valid.stats
      .map((example) => (example.message as unknown as { audio?: { total: object } }).audio)
      .find((audio) => audio !== undefined);
    expect(AUDIO_STATS_STAGES).toEqual(Object.keys(audioStats?.total ?? {}));
  });
});

describe('the quality state shared with the frontend (fixture "quality")', () => {
  const { quality } = fixture;

  it('has the same limits, fields and degradations', () => {
    expect(QUALITY_LIMITS).toEqual(quality.limits);
    expect([...QUALITY_FIELDS]).toEqual(quality.fields);
    expect([...DEGRADATIONS]).toEqual(quality.degradations);
  });

  it.each(quality.valid.map((example) => [JSON.stringify(example.value), example] as const))(
    'accepts %s',
    (_name, example) => {
      expect(parseQuality(example.value)).toEqual(example.parsed ?? example.value);
      // The trait takes what the protocol takes (and gives the same normalized value).
      const trait = streamerTraits().quality;
      expect(trait.validate(example.value)).toEqual(example.parsed ?? example.value);
    },
  );

  it.each(quality.invalid.map((example) => [example.why, example] as const))('rejects %s', (_why, example) => {
    expect(() => parseQuality(example.value)).toThrow(/quality/);
    expect(() => streamerTraits().quality.validate(example.value)).toThrow(/quality/);
  });

  it('says which field is wrong and what it takes', () => {
    expect(() => parseQuality({ max_fps: 500 })).toThrow('quality.max_fps must be a number from 1 to 120, or null');
    expect(() => parseQuality({ maxWidth: 640 })).toThrow(/quality has no field "maxWidth"/);
  });
});

describe('the kernel transport in the shared fixture', () => {
  const media = fixture.media_header;
  const bytesOf = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

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
    expect(parsed).toEqual(v.parsed);
    const again = new Uint8Array(bytes.byteLength);
    again.set(bytes.subarray(MEDIA_HEADER_BYTES), MEDIA_HEADER_BYTES);
    writeMediaHeader(again, parsed.kind, parsed.seq, parsed.key, parsed.timestamp, parsed.ack);
    expect(Buffer.from(again).toString('hex')).toBe(hex);
  });

  it.each(media.invalid.map((v) => [v.why, v] as const))('rejects a header: %s', (_why, v) => {
    expect(() => parseMediaHeader(bytesOf(v.hex))).toThrow(/media/);
  });

  it('rejects an audio packet over MAX_AUDIO_MEDIA_BYTES, saying so', () => {
    const bytes = new Uint8Array(
      MEDIA_HEADER_BYTES + fixture.limits.MAX_AUDIO_MEDIA_BYTES + media.audio_too_large.plus,
    );
    writeMediaHeader(bytes, 'audio', 0, false, 20);
    expect(() => parseMediaHeader(bytes)).toThrow('an audio media message carries 1 to 1275 bytes of Opus');
    expect(parseMediaHeader(bytes.subarray(0, bytes.byteLength - 1)).kind).toBe('audio');
  });

  it('rejects a video frame over MAX_MEDIA_BYTES', () => {
    const bytes = new Uint8Array(MEDIA_HEADER_BYTES + fixture.limits.MAX_MEDIA_BYTES + media.too_large.plus);
    writeMediaHeader(bytes, 'video', 0, true, 0);
    expect(() => parseMediaHeader(bytes)).toThrow(/MAX|bytes/);
    expect(() => parseMediaHeader(bytes.subarray(0, bytes.byteLength - 1))).not.toThrow();
  });

  it('has the same transports, the first the default, as a read-only nullable trait', () => {
    expect([...TRANSPORTS]).toEqual(fixture.state.transport);
    const trait = streamerTraits().transport;
    expect(trait.default()).toBeNull();
    for (const t of fixture.state.transport) expect(trait.validate(t)).toBe(t);
    expect(() => trait.validate('udp')).toThrow(/./);
    expect(trait.readOnly).toBe(true);
  });
});
