import { Signal } from '@lumino/signaling';

import {
  CODECS,
  DEFAULT_QUALITY,
  DEFAULT_SETTINGS,
  isIceServer,
  parseSettings,
  resolveCodec,
  resolveIceServers,
  resolveIceTransportPolicy,
  resolveQuality,
  resolveShowStats,
  resolveTransport,
  SettingsStore,
} from '../settings';
import { TRANSPORTS } from '../streamer/protocol';

import schema from '../../schema/plugin.json';

const site = parseSettings({
  iceServers: [{ urls: 'stun:stun.example.org:3478' }],
  preferredCodec: 'VP8',
  showStats: true,
});

describe('settings schema', () => {
  it('declares the defaults the code uses, with titles for the Settings Editor', () => {
    expect(schema.title).toEqual(expect.any(String));
    expect(schema.description).toEqual(expect.any(String));
    const props: Record<string, any> = schema.properties;
    expect(Object.keys(props).sort()).toEqual([
      'iceServers',
      'iceTransportPolicy',
      'preferredCodec',
      'quality',
      'showStats',
      'transport',
    ]);
    expect(props.transport.default).toBe(DEFAULT_SETTINGS.transport);
    expect(props.transport.oneOf).toEqual(
      TRANSPORTS.map((transport) => ({ const: transport, title: expect.any(String) })),
    );
    expect(props.iceServers.default).toEqual(DEFAULT_SETTINGS.iceServers);
    expect(props.preferredCodec.default).toBe(DEFAULT_SETTINGS.preferredCodec);
    // One oneOf entry (`const` and a `title` for the Settings Editor) per codec the code knows.
    expect(props.preferredCodec.oneOf).toEqual(CODECS.map((codec) => ({ const: codec, title: expect.any(String) })));
    expect(props.showStats.default).toBe(DEFAULT_SETTINGS.showStats);
    expect(parseSettings({ quality: props.quality.default }).quality).toEqual(DEFAULT_QUALITY);
    for (const key of Object.keys(props)) {
      expect(props[key].title).toEqual(expect.any(String));
      expect(props[key].description).toEqual(expect.any(String));
    }
  });
});

describe('parseSettings', () => {
  it('gives the defaults for an empty or missing composite', () => {
    expect(parseSettings({})).toEqual({
      iceServers: [],
      iceTransportPolicy: 'all',
      preferredCodec: 'VP8',
      showStats: false,
      quality: DEFAULT_QUALITY,
      transport: 'auto',
    });
    expect(parseSettings(undefined)).toEqual(DEFAULT_SETTINGS);
  });

  it('reads valid values and replaces invalid ones with defaults', () => {
    expect(site).toEqual({
      iceServers: [{ urls: 'stun:stun.example.org:3478' }],
      iceTransportPolicy: 'all',
      preferredCodec: 'VP8',
      showStats: true,
      quality: DEFAULT_QUALITY,
      transport: 'auto',
    });
    expect(parseSettings({ iceServers: [{ url: 'stun:x' }], preferredCodec: 'H264', showStats: 'yes' })).toEqual(
      DEFAULT_SETTINGS,
    );
  });

  it('reads the quality caps (camelCase in the Settings Editor), an invalid one as the default', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(
        parseSettings({ quality: { maxWidth: 640, maxFps: 15, bitrateKbps: 900, degradation: 'balanced' } }).quality,
      ).toEqual({ max_width: 640, max_height: null, max_fps: 15, bitrate_kbps: 900, degradation: 'balanced' });
      expect(parseSettings({ quality: { maxWidth: 8 } }).quality).toEqual(DEFAULT_QUALITY);
      expect(parseSettings({ quality: 'hd' }).quality).toEqual(DEFAULT_QUALITY);
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('resolveQuality', () => {
  const siteQuality = parseSettings({ quality: { maxWidth: 1280, maxFps: 30, degradation: 'maintain-framerate' } });

  it("takes the widget's fields where set, else the site's", () => {
    expect(resolveQuality(null, siteQuality)).toEqual(siteQuality.quality);
    expect(resolveQuality({ max_width: 320, bitrate_kbps: 400, degradation: null }, siteQuality)).toEqual({
      max_width: 320,
      max_height: null,
      max_fps: 30,
      bitrate_kbps: 400,
      degradation: 'maintain-framerate',
    });
  });

  it('follows the site for an invalid widget value, with a warning', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(resolveQuality({ max_width: 1 }, siteQuality)).toEqual(siteQuality.quality);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('resolveIceTransportPolicy', () => {
  it("takes the widget's policy, else the site's (also for an invalid widget value)", () => {
    const relaySite = parseSettings({ iceTransportPolicy: 'relay' });
    expect(relaySite.iceTransportPolicy).toBe('relay');
    expect(parseSettings({ iceTransportPolicy: 'nohost' }).iceTransportPolicy).toBe('all');
    expect(resolveIceTransportPolicy(null, relaySite)).toBe('relay');
    expect(resolveIceTransportPolicy('all', relaySite)).toBe('all');
    expect(resolveIceTransportPolicy('relay', site)).toBe('relay');
    expect(resolveIceTransportPolicy('public', site)).toBe('all');
  });
});

describe('isIceServer', () => {
  it('accepts a url or a list of urls, with optional credentials', () => {
    expect(isIceServer({ urls: 'stun:a' })).toBe(true);
    expect(isIceServer({ urls: ['turn:a', 'turns:b'], username: 'u', credential: 'p' })).toBe(true);
  });
  it('rejects missing, empty or non-string urls and bad credentials', () => {
    expect(isIceServer({})).toBe(false);
    expect(isIceServer({ urls: '' })).toBe(false);
    expect(isIceServer({ urls: [] })).toBe(false);
    expect(isIceServer({ urls: [1] })).toBe(false);
    expect(isIceServer({ urls: 'turn:a', credential: 5 })).toBe(false);
    expect(isIceServer('stun:a')).toBe(false);
  });
});

describe('widget override vs site default', () => {
  it('ice_servers: null means the site setting; a list replaces it', () => {
    expect(resolveIceServers(null, site)).toEqual([{ urls: 'stun:stun.example.org:3478' }]);
    expect(resolveIceServers(undefined, site)).toBe(site.iceServers);
    const own = [{ urls: 'turn:turn.example.org', username: 'u', credential: 'c' }];
    expect(resolveIceServers(own, site)).toBe(own);
    // An empty list is an override too: host candidates only.
    expect(resolveIceServers([], site)).toEqual([]);
  });

  it('ice_servers: an invalid override falls back to the site setting with a warning', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(resolveIceServers([{ urls: 7 }], site)).toBe(site.iceServers);
    expect(resolveIceServers('stun:x', site)).toBe(site.iceServers);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('show_stats: a boolean wins, null follows the site', () => {
    expect(resolveShowStats(null, site)).toBe(true);
    expect(resolveShowStats(false, site)).toBe(false);
    expect(resolveShowStats(null, DEFAULT_SETTINGS)).toBe(false);
    expect(resolveShowStats(true, DEFAULT_SETTINGS)).toBe(true);
  });

  it('codec: a known codec wins, anything else follows the site', () => {
    expect(resolveCodec('VP8', DEFAULT_SETTINGS)).toBe('VP8');
    expect(resolveCodec(null, site)).toBe('VP8');
    expect(resolveCodec('H264', site)).toBe('VP8');
  });
});

describe('SettingsStore', () => {
  it('signals the parsed settings to receivers until they disconnect', () => {
    const store = new SettingsStore();
    expect(store.current).toEqual(DEFAULT_SETTINGS);
    const seen: boolean[] = [];
    const receiver = {};
    store.changed.connect((sender, s) => {
      expect(sender).toBe(store);
      expect(s).toBe(store.current);
      seen.push(s.showStats);
    }, receiver);
    store.update({ showStats: true });
    expect(store.current.showStats).toBe(true);
    Signal.disconnectReceiver(receiver);
    store.update({ showStats: false });
    expect(seen).toEqual([true]);
    expect(store.current.showStats).toBe(false);
  });

  it('follows a setting registry entry and its changes', () => {
    let composite: Record<string, unknown> = { showStats: false };
    const slots: (() => void)[] = [];
    const settings = {
      get composite() {
        return composite;
      },
      changed: { connect: (fn: () => void) => slots.push(fn) },
    };
    const store = new SettingsStore();
    store.connect(settings as any);
    expect(store.current.showStats).toBe(false);
    composite = { showStats: true, iceServers: [{ urls: 'stun:a' }] };
    slots.forEach((fn) => fn());
    expect(store.current).toEqual({
      transport: 'auto',
      showStats: true,
      iceServers: [{ urls: 'stun:a' }],
      iceTransportPolicy: 'all',
      preferredCodec: 'VP8',
      quality: DEFAULT_QUALITY,
      transport: 'auto',
    });
  });
});

describe('the transport setting', () => {
  it('reads auto, webrtc and kernel, anything else as auto; a widget value wins', () => {
    expect(parseSettings({ transport: 'kernel' }).transport).toBe('kernel');
    expect(parseSettings({ transport: 'udp' }).transport).toBe('auto');
    expect(resolveTransport(null, parseSettings({ transport: 'webrtc' }))).toBe('webrtc');
    expect(resolveTransport('kernel', parseSettings({ transport: 'webrtc' }))).toBe('kernel');
    expect(resolveTransport('bogus', parseSettings({}))).toBe('auto');
  });
});
