/**
 * The widget's texts and display options: every text through the page's translator (a fake one
 * here, whose output is recognisable), the notebook's `labels` over the translations, bad display
 * traits refused with their reason in the widget, and mirror / showInput / size applied to the DOM.
 * The parsers are checked against the protocol fixture's "display" examples, as the kernel's are.
 */
import type { ITranslator, TranslationBundle } from '@jupyterlab/translation';

import fixture from '../../kernel-bridge/test/fixtures/streamer-protocol.json';
import { SettingsStore } from '../settings';
import {
  DISPLAY_LIMITS,
  LABEL_KEYS,
  parseLabels,
  parseVideoSize,
  readDisplayOptions,
} from '../streamer/display-options';
import { WebRtcStreamerModel } from '../streamer/model';
import { AnnotationOverlay } from '../streamer/overlay';
import { streamerTexts } from '../streamer/texts';
import { streamerEnvironment, WebRtcStreamerView } from '../streamer/view';
import { FakeMediaDevices, FakePeerConnection, FakeStream, flush, kernelStats, VIDEO_CAPABILITIES } from './fakes';
import { FakeWidgets } from './widget-fakes';

interface IExample {
  why?: string;
  value: unknown;
  parsed?: unknown;
  long?: { key: string; plus: number };
}
const display = fixture.display as {
  limits: Record<string, number>;
  label_keys: string[];
  labels: { valid: IExample[]; invalid: IExample[] };
  size: { valid: IExample[]; invalid: IExample[] };
};

/** The example's value, its `long` label padded with "a" to MAX_LABEL_LENGTH + plus. */
function valueOf({ value, long }: IExample): unknown {
  if (!long) {
    return value;
  }
  return { ...(value as object), [long.key]: 'a'.repeat(display.limits.MAX_LABEL_LENGTH + long.plus) };
}

describe('the display options shared with the kernel (fixture "display")', () => {
  it('has the same limits and label keys', () => {
    expect(DISPLAY_LIMITS).toEqual(display.limits);
    expect([...LABEL_KEYS]).toEqual(display.label_keys);
  });

  it.each(display.labels.valid.map((e) => [JSON.stringify(e.value), e] as const))('labels: accepts %s', (_n, e) => {
    expect(parseLabels(valueOf(e))).toEqual({ ok: true, value: e.parsed ?? valueOf(e) });
  });

  it.each(display.labels.invalid.map((e) => [e.why, e] as const))('labels: rejects %s', (_why, e) => {
    expect(parseLabels(valueOf(e))).toEqual({ ok: false, reason: expect.stringMatching(/^labels/) });
  });

  it.each(display.size.valid.map((e) => [JSON.stringify(e.value), e] as const))('size: accepts %s', (_n, e) => {
    expect(parseVideoSize(e.value)).toEqual({ ok: true, value: e.parsed === undefined ? e.value : e.parsed });
  });

  it.each(display.size.invalid.map((e) => [e.why, e] as const))('size: rejects %s', (_why, e) => {
    expect(parseVideoSize(e.value)).toEqual({ ok: false, reason: expect.stringMatching(/^size/) });
  });

  it('reads every trait, a bad one as its default with the reason', () => {
    const traits: Record<string, unknown> = { labels: { start: 7 }, mirror: 'yes', show_input: false, size: null };
    expect(readDisplayOptions((name) => traits[name])).toEqual({
      labels: {},
      mirror: false,
      showInput: false,
      size: null,
      problems: ['labels.start must be a non-blank string of at most 80 characters', 'mirror must be true or false'],
    });
  });
});

/** "%1"... replaced by the arguments, as JupyterLab's bundles do. */
const fill = (text: string, args: unknown[]) => text.replace(/%(\d)/g, (_, i) => String(args[Number(i) - 1]));

/** A translator whose every text starts with "[fr] ", and which remembers the domains loaded. */
class FakeTranslator implements ITranslator {
  readonly languageCode = 'fr-FR';
  domains: string[] = [];
  load(domain: string): TranslationBundle {
    this.domains.push(domain);
    const mark = (text: string, args: unknown[]) => `[fr] ${fill(text, args)}`;
    return {
      __: (msgid: string, ...args: unknown[]) => mark(msgid, args),
      _n: (one: string, many: string, n: number, ...args: unknown[]) => mark(n === 1 ? one : many, [n, ...args]),
      _p: (_ctx: string, msgid: string, ...args: unknown[]) => mark(msgid, args),
    } as unknown as TranslationBundle;
  }
}

describe('the widget’s texts and display options', () => {
  let devices: FakeMediaDevices;
  let translator: FakeTranslator | undefined;
  const widgets = new FakeWidgets();

  beforeEach(() => {
    FakePeerConnection.instances = [];
    devices = new FakeMediaDevices();
    devices.devices = [{ deviceId: 'cam-1', label: '', kind: 'videoinput', groupId: 'g' } as MediaDeviceInfo];
    translator = undefined;
    localStorage.clear();
    const settings = new SettingsStore();
    streamerEnvironment.create = () => ({
      devices,
      createPeerConnection: (config) => new FakePeerConnection(config),
      getCodecCapabilities: () => VIDEO_CAPABILITIES,
      makeStream: () => new FakeStream() as unknown as MediaStream,
      settings,
      translator,
    });
  });

  afterEach(async () => {
    await widgets.dispose();
  });

  function show(state: Record<string, unknown>): { model: WebRtcStreamerModel; view: WebRtcStreamerView } {
    const { model } = widgets.model(state);
    return { model, view: widgets.view(model) };
  }

  const q = <T extends HTMLElement = HTMLElement>(v: WebRtcStreamerView, s: string) => {
    const el = v.el.querySelector<T>(s);
    if (!el) {
      throw new Error(`no ${s}`);
    }
    return el;
  };
  const text = (v: WebRtcStreamerView, s: string) => q(v, s).textContent;

  it('reads as before in English without a translator (the null translator)', async () => {
    const { view } = show({ key: 'k' });
    await flush();
    expect(text(view, '.jp-webrtc-start')).toBe('Start');
    expect(text(view, '.jp-webrtc-stop')).toBe('Stop');
    expect(text(view, '.jp-webrtc-camera-label')?.startsWith('Camera')).toBe(true);
    expect(text(view, '.jp-webrtc-status')).toBe('idle: press Start to stream the camera');
    expect(text(view, '.jp-webrtc-record')).toBe('● Record');
    expect([...view.el.querySelectorAll('figcaption')].map((c) => c.textContent)).toEqual(['camera', 'output']);
    expect([...q<HTMLSelectElement>(view, '.jp-webrtc-camera').options].map((o) => o.textContent)).toEqual([
      'Default camera',
      'Camera 1',
    ]);
    expect(q(view, '.jp-webrtc-local').style.transform).toBe('');
    expect(q(view, '[data-testid="webrtc-local-pane"]').hidden).toBe(false);
    expect(q(view, '.jp-webrtc-error').hidden).toBe(true);
  });

  it('shows every text through the page’s translator, in the extension’s domain', async () => {
    translator = new FakeTranslator();
    const { model, view } = show({ key: 'k', audio: true, log: ['one', 'two'] });
    await flush();
    expect(translator.domains).toContain('jupyterlab_webrtc');
    expect(text(view, '.jp-webrtc-start')).toBe('[fr] Start');
    expect(text(view, '.jp-webrtc-stop')).toBe('[fr] Stop');
    expect(text(view, '.jp-webrtc-camera-label')?.startsWith('[fr] Camera')).toBe(true);
    expect(text(view, '.jp-webrtc-microphone-label')?.startsWith('[fr] Microphone')).toBe(true);
    expect(text(view, '.jp-webrtc-mute')).toBe('[fr] Mute');
    expect(text(view, '.jp-webrtc-record')).toBe('[fr] ● Record');
    expect(text(view, '.jp-webrtc-status')).toBe('[fr] idle: press [fr] Start to stream the camera');
    expect(text(view, '.jp-webrtc-log-summary')).toBe('[fr] Log (2 lines)');
    expect([...view.el.querySelectorAll('figcaption')].map((c) => c.textContent)).toEqual([
      '[fr] camera',
      '[fr] output',
    ]);
    expect([...q<HTMLSelectElement>(view, '.jp-webrtc-camera').options].map((o) => o.textContent)).toEqual([
      '[fr] Default camera',
      '[fr] Camera 1',
    ]);
    model.set('transform_error', 'boom');
    expect(text(view, '.jp-webrtc-error')).toBe('[fr] transform error: boom');
    // the session's status line: the state word and its progress detail, each translated
    devices.hold = true;
    q(view, '.jp-webrtc-start').click();
    await flush();
    expect(text(view, '.jp-webrtc-status')).toBe('[fr] [fr] connecting: [fr] opening the camera');
  });

  it.each([
    ['in English without a translator', false],
    ['through the page’s translator', true],
  ])(
    'shows the session’s notices, the stats overlay and the doctor’s advice %s; the kernel reads English',
    async (_how, translated) => {
      translator = translated ? new FakeTranslator() : undefined;
      const fr = (words: string) => (translated ? `[fr] ${words}` : words);
      const { model, comm } = widgets.model({ key: 'k', show_stats: true });
      const view = widgets.view(model);
      await flush();
      q(view, '.jp-webrtc-start').click();
      await flush();
      const pc = FakePeerConnection.last();
      comm.receive({ type: 'answer', sdp: 'v=0\r\nanswer' });
      await flush();
      pc.setConnectionState('connected');

      // the stats overlay: titles, stage labels, headings and summary figures; its keys stay as they are
      comm.receive(kernelStats());
      const stats = q(view, '.jp-webrtc-stats');
      expect(stats.hidden).toBe(false);
      expect([...stats.querySelectorAll('caption')].map((c) => c.textContent)).toEqual([
        fr('camera → kernel'),
        fr('kernel'),
        fr('kernel → output'),
      ]);
      const decoded = stats.querySelector<HTMLElement>('[data-stage="kernel.decoded"]')!;
      expect(decoded.querySelector('th')?.textContent).toBe(fr('decoded'));
      expect([...stats.querySelectorAll('tr:first-child th')].slice(0, 4).map((c) => c.textContent)).toEqual([
        '',
        fr('fps'),
        fr('total'),
        fr('ms'),
      ]);
      const rtt = stats.querySelector<HTMLElement>('[data-stat="kernel.rtt_ms"]')!;
      expect(rtt.dataset.value).toBe('0.8');
      expect(rtt.textContent).toBe(` · ${fr('RTT 0.8 ms')}`);

      // a notice the signalling client composes
      pc.setConnectionState('disconnected');
      expect(text(view, '.jp-webrtc-error')).toBe(fr('connection interrupted; trying to recover'));

      // the connection fails: the doctor's summary in the error, its advice in the notice
      pc.setConnectionState('failed');
      await flush();
      const lines = [...q(view, '.jp-webrtc-error').children].map((line) => line.textContent);
      const udp =
        "UDP between the browser and the kernel seems blocked (a firewall, Docker's port mapping, an SSH tunnel or a " +
        'proxy): configure a TURN server in Settings → WebRTC Streamer → ICE servers; %1';
      const tcp =
        'a TURN server reachable over TCP (turn:host:3478?transport=tcp, or turns: on port 443) passes most firewalls';
      const advice = [
        fr('check that the browser allows WebRTC (an extension or policy may block it)'),
        fr(udp).replace('%1', fr(tcp)),
      ];
      expect(lines).toEqual([
        fr(`connection failed: ${fr('the browser gathered no ICE candidates')}`),
        fr(`what to do: ${advice.join('; ')}`),
      ]);
      expect(text(view, '.jp-webrtc-status')).toBe(
        translated
          ? '[fr] [fr] error: [fr] connection failed: [fr] the browser gathered no ICE candidates'
          : 'error: connection failed: the browser gathered no ICE candidates',
      );

      // what the kernel is sent stays English, translator or not
      expect(comm.browserStatus()).toContain('error: connection failed: the browser gathered no ICE candidates');
      const report = comm.customs().find((c) => c.type === 'connection_report').report;
      expect(report.summary).toBe('the browser gathered no ICE candidates');
      expect(report.advice[0]).toBe('check that the browser allows WebRTC (an extension or policy may block it)');
      expect(report.advice).toEqual([
        'check that the browser allows WebRTC (an extension or policy may block it)',
        udp.replace('%1', tcp),
      ]);
    },
  );

  it('translates a fixed status detail shown alone (the error under the videos), not the browser’s own words', () => {
    const texts = streamerTexts(new FakeTranslator().load('jupyterlab_webrtc'));
    expect(texts.detail('no answer from the kernel')).toBe('[fr] no answer from the kernel');
    expect(texts.detail('no view shows the stream')).toBe('[fr] no view shows the stream');
    expect(texts.detail('the page was closed')).toBe('[fr] the page was closed');
    expect(texts.detail('camera blocked: NotAllowedError')).toBe('camera blocked: NotAllowedError');
    expect(texts.detail('')).toBe('');
  });

  it('shows the notebook’s labels over the translations, and follows a change of them', async () => {
    translator = new FakeTranslator();
    const { model, view } = show({
      key: 'k',
      audio: true,
      labels: { start: 'Go', stop: 'Halt', camera: 'Kamera', mute: 'Shh', inputCaption: 'me', record: 'Rec' },
    });
    await flush();
    expect(text(view, '.jp-webrtc-start')).toBe('Go');
    expect(text(view, '.jp-webrtc-stop')).toBe('Halt');
    expect(text(view, '.jp-webrtc-camera-label')?.startsWith('Kamera')).toBe(true);
    expect(text(view, '.jp-webrtc-mute')).toBe('Shh');
    expect(text(view, '.jp-webrtc-record')).toBe('Rec');
    // the idle line names the button as it reads; the untouched texts stay translated
    expect(text(view, '.jp-webrtc-status')).toBe('[fr] idle: press Go to stream the camera');
    expect([...view.el.querySelectorAll('figcaption')].map((c) => c.textContent)).toEqual(['me', '[fr] output']);

    model.set('labels', { start: 'Los', idle: 'Bereit' });
    expect(text(view, '.jp-webrtc-start')).toBe('Los');
    expect(text(view, '.jp-webrtc-stop')).toBe('[fr] Stop');
    expect(text(view, '.jp-webrtc-status')).toBe('Bereit');
  });

  it.each([
    ['an unknown key', { strat: 'Go' }, 'labels has no key "strat"'],
    ['a number', { start: 7 }, 'labels.start must be a non-blank string of at most 80 characters'],
    ['a text too long', { stop: 'x'.repeat(81) }, 'labels.stop must be a non-blank string of at most 80 characters'],
    ['a list', ['Go'], 'labels must be an object'],
  ])('refuses labels with %s: the defaults, and why, in the widget', async (_why, labels, reason) => {
    const { view } = show({ key: 'k', labels });
    await flush();
    expect(text(view, '.jp-webrtc-start')).toBe('Start');
    expect(text(view, '.jp-webrtc-stop')).toBe('Stop');
    const error = q(view, '.jp-webrtc-error');
    expect(error.hidden).toBe(false);
    expect(error.textContent).toContain(`widget option ignored, the default is used: ${reason}`);
  });

  it('mirrors the local preview only, hides the input pane and sizes both videos', async () => {
    const { model, view } = show({ key: 'k', mirror: true, show_input: false, size: { width: '480px', height: null } });
    await flush();
    const local = q<HTMLVideoElement>(view, '.jp-webrtc-local');
    const output = q<HTMLVideoElement>(view, '.jp-webrtc-output');
    expect(local.style.transform).toBe('scaleX(-1)');
    expect(output.style.transform).toBe('');
    expect(q(view, '[data-testid="webrtc-local-pane"]').hidden).toBe(true);
    expect(q(view, '[data-testid="webrtc-output-pane"]').hidden).toBe(false);
    for (const video of [local, output]) {
      expect(video.parentElement!.style.width).toBe('480px');
      expect(video.style.width).toBe('100%');
      expect(video.style.height).toBe('');
    }
    // hidden, the camera is still opened and sent
    q(view, '.jp-webrtc-start').click();
    await flush();
    expect(devices.constraints).toHaveLength(1);
    expect(devices.constraints[0].video).toBeTruthy();
    expect(
      FakePeerConnection.last().transceivers.some((t) => t.track !== 'video' && t.init.direction === 'sendrecv'),
    ).toBe(true);

    // a re-run cell changes them: a height alone keeps the aspect ratio, the preview shows again unmirrored
    model.set({ mirror: false, show_input: true, size: { width: null, height: '12em' } });
    expect(local.style.transform).toBe('');
    expect(q(view, '[data-testid="webrtc-local-pane"]').hidden).toBe(false);
    expect(local.parentElement!.style.width).toBe('');
    expect(local.style.width).toBe('auto');
    expect(local.style.height).toBe('12em');
  });

  it('mirrors the annotations with the preview they are drawn over (sendonly), never over the output', async () => {
    const mirrored = jest.spyOn(AnnotationOverlay.prototype, 'setMirrored');
    const last = () => mirrored.mock.calls[mirrored.mock.calls.length - 1][0];
    const { model, view } = show({ key: 'k', mirror: true, mode: 'sendonly' });
    await flush();
    const overlayAfter = (cls: string) =>
      q(view, cls).nextElementSibling === view.el.querySelector('[data-testid="webrtc-overlay"]');
    expect(overlayAfter('.jp-webrtc-local')).toBe(true);
    expect(last()).toBe(true);
    model.set({ mirror: false }); // a re-run cell
    expect(last()).toBe(false);
    model.set({ mirror: true, mode: 'sendrecv' }); // over the output, which is not mirrored
    expect(overlayAfter('.jp-webrtc-output')).toBe(true);
    expect(last()).toBe(false);
    mirrored.mockRestore();
  });

  it('refuses a tampered size or flag: the defaults, and why, in the widget', async () => {
    const { view } = show({ key: 'k', mirror: 'yes', size: { width: '10px; color: red' } });
    await flush();
    const local = q<HTMLVideoElement>(view, '.jp-webrtc-local');
    expect(local.style.transform).toBe('');
    expect(local.style.width).toBe('');
    expect(local.style.color).toBe('');
    expect(q(view, '.jp-webrtc-error').textContent).toContain('mirror must be true or false');
    expect(q(view, '.jp-webrtc-error').textContent).toContain('size.width must be a number of pixels');
  });
});
