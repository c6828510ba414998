/**
 * The streamer's display options (labels, mirror, showInput, size): the parsers against the
 * protocol fixture's "display" examples (the frontend's copy is tested against the same ones), the
 * traits that hold them, and webrtcStreamer's errors for bad values, which the cell shows.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { DISPLAY_LIMITS, LABEL_KEYS, parseLabels, parseVideoSize } from '../../src/streamer/display-options';
import { streamerTraits } from '../../src/streamer/state';
import { webrtcStreamer, WebRtcStreamer } from '../../src/streamer';
import { freshKernel } from '../widgets/fake-kernel';

interface Example {
  why?: string;
  value: unknown;
  parsed?: unknown;
  long?: { key: string; plus: number };
}
const display: {
  limits: Record<string, number>;
  label_keys: string[];
  labels: { valid: Example[]; invalid: Example[] };
  size: { valid: Example[]; invalid: Example[] };
} = JSON.parse(readFileSync(join(__dirname, '../fixtures/streamer-protocol.json'), 'utf8')).display;

/** The example's value, its `long` label padded with "a" to MAX_LABEL_LENGTH + plus. */
function valueOf({ value, long }: Example): unknown {
  if (!long) return value;
  return { ...(value as object), [long.key]: 'a'.repeat(display.limits.MAX_LABEL_LENGTH + long.plus) };
}

describe('the display options shared with the frontend (fixture "display")', () => {
  it('has the same limits and label keys', () => {
    expect(DISPLAY_LIMITS).toEqual(display.limits);
    expect([...LABEL_KEYS]).toEqual(display.label_keys);
  });

  it.each(display.labels.valid.map((e) => [JSON.stringify(e.value), e] as const))('labels: accepts %s', (_n, e) => {
    const expected = e.parsed ?? valueOf(e);
    expect(parseLabels(valueOf(e))).toEqual({ ok: true, value: expected });
    expect(streamerTraits().labels.validate(valueOf(e))).toEqual(expected);
  });

  it.each(display.labels.invalid.map((e) => [e.why, e] as const))('labels: rejects %s', (_why, e) => {
    expect(parseLabels(valueOf(e))).toEqual({ ok: false, reason: expect.stringMatching(/^labels/) });
    expect(() => streamerTraits().labels.validate(valueOf(e))).toThrow(/^labels/);
  });

  it.each(display.size.valid.map((e) => [JSON.stringify(e.value), e] as const))('size: accepts %s', (_n, e) => {
    const expected = e.parsed === undefined ? e.value : e.parsed;
    expect(parseVideoSize(e.value)).toEqual({ ok: true, value: expected });
    expect(streamerTraits().size.validate(e.value)).toEqual(expected);
  });

  it.each(display.size.invalid.map((e) => [e.why, e] as const))('size: rejects %s', (_why, e) => {
    expect(parseVideoSize(e.value)).toEqual({ ok: false, reason: expect.stringMatching(/^size/) });
    expect(() => streamerTraits().size.validate(e.value)).toThrow(/^size/);
  });

  it('keeps them notebook-only: the browser may not write them', () => {
    const traits = streamerTraits();
    expect([traits.labels, traits.mirror, traits.show_input, traits.size].map((t) => t.readOnly)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([
      traits.labels.default(),
      traits.mirror.default(),
      traits.show_input.default(),
      traits.size.default(),
    ]).toEqual([{}, false, true, null]);
    expect(() => traits.mirror.validate('yes')).toThrow('mirror must be true or false');
  });
});

describe('webrtcStreamer display options', () => {
  const streamers: WebRtcStreamer[] = [];
  beforeEach(() => freshKernel());
  afterEach(() => {
    for (const streamer of streamers.splice(0)) streamer.close();
  });
  const keep = (streamer: WebRtcStreamer): WebRtcStreamer => {
    streamers.push(streamer);
    return streamer;
  };

  it('sets the traits from the options, a pixel size as a CSS length', () => {
    const streamer = keep(
      webrtcStreamer({
        key: 'd1',
        labels: { start: 'Go', stop: 'Halt' },
        mirror: true,
        showInput: false,
        size: { width: 480 },
      }),
    );
    expect(streamer.get('labels')).toEqual({ start: 'Go', stop: 'Halt' });
    expect(streamer.get('mirror')).toBe(true);
    expect(streamer.get('show_input')).toBe(false);
    expect(streamer.get('size')).toEqual({ width: '480px', height: null });
    const defaults = keep(webrtcStreamer({ key: 'd2' }));
    expect([defaults.get('labels'), defaults.get('mirror'), defaults.get('show_input'), defaults.get('size')]).toEqual([
      {},
      false,
      true,
      null,
    ]);
  });

  it('says which option is wrong and what it takes', () => {
    const bad = (options: object) => () => webrtcStreamer({ key: 'bad', ...options });
    expect(bad({ labels: { strat: 'Go' } })).toThrow(
      'webrtcStreamer: labels has no key "strat" (known: start, stop, camera, microphone, record, stopRecording, mute, unmute, inputCaption, outputCaption, idle)',
    );
    expect(bad({ labels: { start: 'x'.repeat(81) } })).toThrow(
      'webrtcStreamer: labels.start must be a non-blank string of at most 80 characters',
    );
    expect(bad({ labels: 'Go' })).toThrow('webrtcStreamer: labels must be an object such as { start: "Go" }');
    expect(bad({ mirror: 'yes' })).toThrow('webrtcStreamer: mirror must be true or false');
    expect(bad({ showInput: 0 })).toThrow('webrtcStreamer: showInput must be true or false');
    expect(bad({ size: { width: '480' } })).toThrow(
      'webrtcStreamer: size.width must be a number of pixels from 16 to 7680 or a CSS length such as "480px", "50%" or "30em"',
    );
    expect(bad({ size: { depth: 3 } })).toThrow('webrtcStreamer: size has no field "depth"');
  });

  it('updates them on a re-run with the same key, and a bad re-run leaves them as they were', () => {
    const streamer = keep(webrtcStreamer({ key: 'd3', labels: { start: 'Go' } }));
    expect(webrtcStreamer({ key: 'd3', labels: { start: 'Los' }, mirror: true })).toBe(streamer);
    expect(streamer.get('labels')).toEqual({ start: 'Los' });
    expect(streamer.get('mirror')).toBe(true);
    expect(() => webrtcStreamer({ key: 'd3', size: { width: -1 } })).toThrow(/size\.width/);
    expect(streamer.get('labels')).toEqual({ start: 'Los' });
    expect(streamer.get('size')).toBeNull();
  });
});
