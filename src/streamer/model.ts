/**
 * The streamer's widget model: the synced traits, and the glue between the
 * kernel's comm, the one streaming session (signalling.ts) and the views,
 * which it tells of changes through Lumino signals. Its lifecycle helpers
 * (view-grace.ts, page-exit.ts) decide when the session stops on its own.
 */
import { DOMWidgetModel, IBackboneModelOptions, ISerializers } from '@jupyter-widgets/base';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import {
  IWebRtcSettings,
  resolveCodec,
  resolveIceServers,
  resolveIceTransportPolicy,
  resolveQuality,
  resolveShowStats,
  resolveTransport,
} from '../settings';
import { MODULE_NAME, MODULE_VERSION } from '../version';
import { buildConstraints } from './camera';
import { loadDeviceChoice, saveDeviceChoice } from './device-choice';
import { audioConstraint } from './microphone';
import { IStreamerEnvironment, openCamera, streamerEnvironment } from './environment';
import {
  fitText,
  FrontendMessage,
  IQuality,
  IRecordingState,
  IAnnotationsMessage,
  IStatsMessage,
  KernelMessage,
  parseKernelMessage,
  parseLog,
  parseMode,
  StreamMode,
  parseRecording,
} from './protocol';
import {
  parsePackageVersion,
  parseProtocolVersion,
  PRE_HANDSHAKE_PROTOCOL_VERSION,
  STREAMER_PROTOCOL_VERSION,
  versionMismatch,
} from './handshake';
import { PageExitStop } from './page-exit';
import { TRANSLATION_DOMAIN } from './texts';
import { browserStats, IBrowserStats, IRtcStatsSample, parseRtcStats } from './rtc-stats';
import { kernelLinkStats } from './kernel-link-stats';
import { IStateChange, SignallingClient, StreamState } from './signalling';
import { ViewGrace } from './view-grace';

// Backbone's attribute hash and the comm's JSON content, as @jupyter-widgets/base
// types them: no backbone or @lumino/coreutils dependency of our own to keep in step.
type ObjectHash = ReturnType<DOMWidgetModel['defaults']>;
type CommContent = Parameters<DOMWidgetModel['send']>[0];

/** Which camera a start should use (chosen in a view). */
export interface ICameraRequest {
  /** The device id; null/"" = the default camera. */
  deviceId: string | null;
  /**
   * True when the id is in the listed cameras: it is then required (exact);
   * otherwise only preferred (ids may be hidden before permission).
   */
  listed: boolean;
}

/** Session ids are unique on the page, so a new model's session never reuses one. */
let lastSessionId = 0;

/**
 * The streamer's model. State is written by the kernel. The model owns the
 * streaming session (camera stream, peer connection, signalling client,
 * status, errors, stats): at most one at a time, shared by all its views, so
 * a view can be removed and another rendered (a re-run cell reusing the
 * model) without restarting the stream.
 *
 * The session stops on Stop, on the kernel's `stopped`, when the model is
 * closed, on `pagehide`, and `viewGraceMs` after its last view was removed
 * unless a new view is rendered in the meantime.
 */
export class WebRtcStreamerModel extends DOMWidgetModel {
  /** How long a session outlives its last view (ms). */
  static viewGraceMs = 1500;
  /** How often the browser's getStats() is read while playing (ms), like the kernel's stats. */
  static browserStatsMs = 1000;
  /** How long a missing view is tolerated while the kernel is busy. */
  static busyKernelWaitMs = 30000;
  /**
   * How long a start requested by the kernel waits for a view (a cell may display the widget and
   * call start() at once: the view renders while the cell runs).
   */
  static startViewWaitMs = 3000;

  defaults(): ObjectHash {
    return {
      ...super.defaults(),
      _model_name: WebRtcStreamerModel.model_name,
      _model_module: WebRtcStreamerModel.model_module,
      _model_module_version: WebRtcStreamerModel.model_module_version,
      _view_name: WebRtcStreamerModel.view_name,
      _view_module: WebRtcStreamerModel.view_module,
      _view_module_version: WebRtcStreamerModel.view_module_version,
      key: '',
      ice_servers: null,
      ice_transport_policy: null,
      codec: 'VP8',
      show_stats: null,
      media_constraints: null,
      transform_error: '',
      kernel_status: 'idle',
      log: [],
      quality: null,
      mode: 'sendrecv',
      recording: { active: false, files: [] },
      audio: false,
      transport: null,
      labels: {},
      mirror: false,
      show_input: true,
      size: null,
      // A kernel from before the version handshake does not send these: it speaks protocol 1, so an
      // extension of a later protocol shows the upgrade text instead of assuming its own.
      protocol_version: PRE_HANDSHAKE_PROTOCOL_VERSION,
      kernel_version: '',
    };
  }

  // Fields are set in initialize(), which Backbone calls from the
  // constructor: class field initializers would run after it and reset them.
  private _env!: IStreamerEnvironment;
  private _client!: SignallingClient;
  private _viewGrace!: ViewGrace;
  private _pageExit!: PageExitStop;
  private _sessionId!: number;
  private _localStream!: MediaStream | null;
  private _remoteStream!: MediaStream | null;
  private _notice!: string;
  private _stats!: IStatsMessage | null;
  private _noticeChanged!: Signal<this, string>;
  private _statsChanged!: Signal<this, IStatsMessage | null>;
  private _browserStats!: IBrowserStats | null;
  private _browserStatsChanged!: Signal<this, IBrowserStats | null>;
  private _statsTimer!: ReturnType<typeof setInterval> | null;
  private _lastSample!: { sessionId: number; sample: IRtcStatsSample } | null;
  private _cameraChosen!: Signal<this, string | null>;
  private _viewWaiters!: (() => void)[];
  private _microphoneChosen!: Signal<this, string | null>;
  private _outputMuted!: boolean;
  private _outputMutedChanged!: Signal<this, boolean>;
  private _annotations!: Signal<this, IAnnotationsMessage>;

  initialize(attributes: ObjectHash, options: IBackboneModelOptions): void {
    super.initialize(attributes, options);
    this._env = streamerEnvironment.create();
    this._sessionId = 0;
    this._localStream = null;
    this._remoteStream = null;
    this._notice = '';
    this._stats = null;
    this._noticeChanged = new Signal(this);
    this._statsChanged = new Signal(this);
    this._browserStats = null;
    this._browserStatsChanged = new Signal(this);
    this._statsTimer = null;
    this._lastSample = null;
    this._cameraChosen = new Signal(this);
    this._viewWaiters = [];
    this._microphoneChosen = new Signal(this);
    this._outputMuted = false;
    this._outputMutedChanged = new Signal(this);
    this._annotations = new Signal(this);
    this._viewGrace = new ViewGrace({
      isActive: () => this.active,
      isKernelBusy: () => this._kernelBusy(),
      graceMs: () => WebRtcStreamerModel.viewGraceMs,
      busyWaitMs: () => WebRtcStreamerModel.busyKernelWaitMs,
      stop: () => this.stopStreaming('no view shows the stream'),
    });
    this._pageExit = new PageExitStop(() => this.stopStreaming('the page was closed'));
    this._client = new SignallingClient({
      send: (message) => this._send(message),
      sendMedia: (buffer) => this._sendMedia(buffer),
      getUserMedia: (constraints) => openCamera(this._env, constraints),
      createPeerConnection: (config) => this._env.createPeerConnection(config),
      getCodecCapabilities: this._env.getCodecCapabilities,
      makeStream: this._env.makeStream,
      trans: this.trans,
    });
    // Connected before any view: the model is up to date when views hear these.
    this._client.stateChanged.connect(this._onState, this);
    this._client.localStreamChanged.connect((_, stream) => (this._localStream = stream));
    this._client.remoteStreamChanged.connect((_, stream) => (this._remoteStream = stream));
    this._client.notice.connect((_, message) => this._setNotice(message));
    this.on('msg:custom', this._onCustomMessage, this);
    // Quality caps apply to the running session at once, from the widget or the site setting.
    this.on('change:quality', () => this._client.setQuality(this._quality()), this);
    this._env.settings.changed.connect(this._onSettingsChanged, this);
    // getStats() is read only for the overlay: hidden (the default), it costs nothing.
    this.on('change:show_stats', this._updateStatsPolling, this);
    this._env.settings.changed.connect(this._updateStatsPolling, this);
    // The kernel closed the comm: it has released the peer already.
    this.on('comm:close', () => this._client.dispose('the widget was closed', false));
    // The handshake's other half: a kernel that states its protocol learns ours (it refuses
    // to stream with another one and says so in the widget's log).
    if ('protocol_version' in (attributes ?? {}) && this.comm_live) {
      this._send({ type: 'hello', protocol_version: STREAMER_PROTOCOL_VERSION, extension_version: MODULE_VERSION });
    }
  }

  /**
   * "" when the kernel speaks this extension's streamer protocol; otherwise which side to upgrade
   * and the command (handshake.ts). Views show it; no session starts while it is set.
   */
  get versionMismatch(): string {
    const protocol = parseProtocolVersion(this.get('protocol_version'));
    const version = parsePackageVersion(this.get('kernel_version')) ?? '';
    return versionMismatch(
      { protocol: protocol ?? 0, version },
      { protocol: STREAMER_PROTOCOL_VERSION, version: MODULE_VERSION },
    );
  }

  /**
   * Annotations from the kernel for the running session (validated), for
   * each view's overlay to draw over its video (overlay.ts).
   */
  get annotationsReceived(): ISignal<this, IAnnotationsMessage> {
    return this._annotations;
  }

  // The session's own signals (sender: its SignallingClient), for the views.

  /** The session's state or detail changed (read `streamState`, `statusText`...). */
  get stateChanged(): ISignal<SignallingClient, IStateChange> {
    return this._client.stateChanged;
  }

  /** The camera stream changed (null when released; also `localStream`). */
  get localStreamChanged(): ISignal<SignallingClient, MediaStream | null> {
    return this._client.localStreamChanged;
  }

  /** The kernel's processed stream changed (null when the session ends). */
  get remoteStreamChanged(): ISignal<SignallingClient, MediaStream | null> {
    return this._client.remoteStreamChanged;
  }

  // The model's signals (sender: the model).

  /** The notice (a problem that did not end the session) changed. */
  get noticeChanged(): ISignal<this, string> {
    return this._noticeChanged;
  }

  /** New stats from the kernel, or null when they are cleared. */
  get statsChanged(): ISignal<this, IStatsMessage | null> {
    return this._statsChanged;
  }

  /** New browser figures (getStats(), about once a second while playing), or null when cleared. */
  get browserStatsChanged(): ISignal<this, IBrowserStats | null> {
    return this._browserStatsChanged;
  }

  /** A view chose a camera for this stream's key (null = the default camera). */
  get cameraChosen(): ISignal<this, string | null> {
    return this._cameraChosen;
  }

  /** A view chose a microphone for this stream's key (null = the default one). */
  get microphoneChosen(): ISignal<this, string | null> {
    return this._microphoneChosen;
  }

  /** The output's audio was muted or unmuted (in any view; all views follow). */
  get outputMutedChanged(): ISignal<this, boolean> {
    return this._outputMutedChanged;
  }

  /** Whether the kernel's audio is muted in this page (not sent silent: only not played). */
  get outputMuted(): boolean {
    return this._outputMuted;
  }

  setOutputMuted(muted: boolean): void {
    if (muted !== this._outputMuted) {
      this._outputMuted = muted;
      this._outputMutedChanged.emit(muted);
    }
  }

  /** True when the stream carries the microphone (the `audio` trait). */
  get audioOn(): boolean {
    return this.get('audio') === true;
  }

  /** The page services (cameras, peer connections, settings) of this model. */
  get env(): IStreamerEnvironment {
    return this._env;
  }

  /** The widget's texts in the page's language (the environment's translator; English without one). */
  get trans(): TranslationBundle {
    return (this._env.translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
  }

  /** The session state (the first word of the status line). */
  get streamState(): StreamState {
    return this._client.state;
  }

  /** The status line: the state word, then the detail if any. */
  get statusText(): string {
    return this._client.statusText;
  }

  /** The status line's detail after the state word ("" for none). */
  get statusDetail(): string {
    return this._client.detail;
  }

  /** The status line's detail as shown (in the page's language where the browser composed it). */
  get shownStatusDetail(): string {
    return this._client.shownDetail;
  }

  /** The error that ended the last session, as shown ("" unless the state is error). */
  get errorText(): string {
    return this._client.state === 'error' ? this._client.shownDetail : '';
  }

  /** True while a session is connecting or playing. */
  get active(): boolean {
    return this._client.active;
  }

  /** Id of the latest session (unique on the page; 0 = none yet). */
  get sessionId(): number {
    return this._sessionId;
  }

  get localStream(): MediaStream | null {
    return this._localStream;
  }

  get remoteStream(): MediaStream | null {
    return this._remoteStream;
  }

  get notice(): string {
    return this._notice;
  }

  /** The kernel's latest stats while a session is active. */
  get stats(): IStatsMessage | null {
    return this._stats;
  }

  /** The browser's latest figures (getStats()) while a session is playing. */
  get browserStats(): IBrowserStats | null {
    return this._browserStats;
  }

  /**
   * The streamer's log (the `log` trait, bounded): transform errors and
   * what the transform prints, oldest first. Views listen to `change:log`.
   */
  get logLines(): string[] {
    return parseLog(this.get('log'));
  }

  /** Asks the kernel to empty the log; every view sees `log` change. */
  clearLog(): void {
    this._send({ type: 'clear_log' });
  }

  /** The kernel's `recording` trait, checked. Views listen to `change:recording`. */
  get recording(): IRecordingState {
    return parseRecording(this.get('recording'));
  }

  /** The record button: the kernel starts recording input and output (default names) or stops. */
  record(action: 'start' | 'stop'): void {
    this._send({ type: 'record', action });
  }

  /** The number of views currently showing this model. */
  get viewCount(): number {
    return this._viewGrace.count;
  }

  /**
   * Which way video goes (the `mode` trait): sendrecv, sendonly (no output
   * pane) or recvonly (no camera); null for a value this frontend does not
   * know (a kernel of another version), which it will not start.
   */
  get mode(): StreamMode | null {
    return parseMode(this.get('mode'));
  }

  /** The key the camera choice is remembered under. */
  get cameraKey(): string {
    const key = this.get('key');
    return typeof key === 'string' && key ? key : this.model_id;
  }

  /**
   * Opens the camera and negotiates with the kernel. Does nothing while a
   * session is active (every view shows that one) or after close.
   */
  async startStreaming(camera?: ICameraRequest, microphone?: ICameraRequest): Promise<void> {
    const client = this._client;
    if (client.active || client.disposed) {
      return;
    }
    const mismatch = this.versionMismatch;
    if (mismatch) {
      this._sendBrowserStatus('error', mismatch); // the views show it already; start() learns it
      return;
    }
    const mode = this.mode;
    if (mode === null) {
      this._setNotice(
        this.trans.__('cannot start: unknown stream mode %1 (update the extension)', JSON.stringify(this.get('mode'))),
      );
      return;
    }
    const deviceId = camera ? camera.deviceId || null : loadDeviceChoice('camera', this.cameraKey);
    const micId = microphone ? microphone.deviceId || null : loadDeviceChoice('microphone', this.cameraKey);
    const audio = this.audioOn;
    const constraints = buildConstraints(
      this.get('media_constraints'),
      deviceId,
      audioConstraint(audio, micId, !!microphone?.listed, this.get('media_constraints')),
    );
    if (deviceId && !camera?.listed && typeof constraints.video === 'object') {
      // Not verified against the device list (ids hidden before permission):
      // prefer it, but fall back to another camera rather than failing.
      constraints.video.deviceId = { ideal: deviceId };
    }
    const settings = this._env.settings.current;
    this._sessionId = ++lastSessionId;
    this._setNotice('');
    this._setStats(null);
    this._send({ type: 'site_quality', quality: settings.quality });
    await client.start({
      constraints,
      iceServers: resolveIceServers(this.get('ice_servers'), settings),
      iceTransportPolicy: resolveIceTransportPolicy(this.get('ice_transport_policy'), settings),
      codec: resolveCodec(this.get('codec'), settings),
      quality: this._quality(),
      mode,
      audio,
      transport: resolveTransport(this.get('transport'), settings),
    });
  }

  /** Which transport carries the running session (null: none), and why the kernel's ("" otherwise). */
  get transport(): 'webrtc' | 'kernel' | null {
    return this._client.transport;
  }

  get fallbackReason(): string {
    return this._client.fallbackReason;
  }

  /** The caps for this widget's sender: its `quality` fields over the site setting. */
  private _quality(): IQuality {
    return resolveQuality(this.get('quality'), this._env.settings.current);
  }

  /** A settings change reaches the running session's two senders: this page's and the kernel's. */
  private _onSettingsChanged(_: unknown, settings: IWebRtcSettings): void {
    if (!this._client.active) {
      return; // the next Start sends them
    }
    this._client.setQuality(this._quality());
    this._send({ type: 'site_quality', quality: settings.quality });
  }

  /** Stops the session (telling the kernel) and releases the camera. */
  stopStreaming(reason = ''): void {
    this._client.stop(reason);
  }

  /**
   * Remembers the camera for this stream's key and tells the views; a running session switches to
   * it at once (replaceTrack: same session, no renegotiation).
   */
  chooseCamera(deviceId: string | null): void {
    saveDeviceChoice('camera', this.cameraKey, deviceId || null);
    this._cameraChosen.emit(deviceId || null);
    if (this._client.active) {
      void this._client.switchCamera(buildConstraints(this.get('media_constraints'), deviceId || null));
    }
  }

  /**
   * start() from the notebook: starts as the Start button does (the remembered camera, the
   * browser's permission prompt). Without a view of the widget within `startViewWaitMs` the kernel
   * is told why not; while a session is active it is told the current state.
   */
  private async _startFromKernel(): Promise<void> {
    if (this._client.active) {
      this._reportState();
      return;
    }
    if (!(await this._waitForView(WebRtcStreamerModel.startViewWaitMs))) {
      this._sendBrowserStatus(
        'error',
        'no view of the widget is shown: display it (e.g. as the last expression of a cell) before start()',
      );
      return;
    }
    await this.startStreaming();
  }

  /** Resolves true once a view shows this model (at once if one does), false after `ms`. */
  private _waitForView(ms: number): Promise<boolean> {
    if (this.viewCount > 0) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this._viewWaiters = this._viewWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, ms);
      this._viewWaiters.push(waiter);
    });
  }

  /** Tells the kernel the session's state (`browser_status`), for the notebook's status$. */
  private _reportState(): void {
    this._sendBrowserStatus(this._client.state, this._client.detail);
  }

  private _sendBrowserStatus(state: StreamState, detail: string): void {
    if (!this.comm_live) {
      return; // closing: the kernel knows
    }
    try {
      this._send({ type: 'browser_status', state, detail: fitText(detail) });
    } catch (error) {
      console.warn('jupyterlab-webrtc: could not send the browser status', error);
    }
  }

  /**
   * Remembers the microphone for this stream's key and tells the views; a running session with audio
   * switches to it at once (replaceTrack: same session, no renegotiation), asked for as the start
   * does (`media_constraints.audio` merged, the chosen device required: it was picked from the list).
   */
  chooseMicrophone(deviceId: string | null): void {
    saveDeviceChoice('microphone', this.cameraKey, deviceId || null);
    this._microphoneChosen.emit(deviceId || null);
    if (this._client.active && this.audioOn) {
      void this._client.switchMicrophone(audioConstraint(true, deviceId || null, true, this.get('media_constraints')));
    }
  }

  /** A view now shows this model (cancels a pending stop for lack of views). */
  attachView(view: unknown): void {
    this._viewGrace.attach(view);
    for (const waiter of this._viewWaiters.splice(0)) {
      waiter();
    }
  }

  /**
   * A view was removed. When it was the last one the session stops after
   * `viewGraceMs`, unless a new view is attached before (a re-run cell
   * clears its output before it displays the same model again).
   */
  detachView(view: unknown): void {
    this._viewGrace.detach(view);
  }

  private _kernelBusy(): boolean {
    const manager = this.widget_manager as unknown as {
      kernel?: { status?: string } | null;
    };
    return manager?.kernel?.status === 'busy';
  }

  /**
   * Closing the model (comm closed by either side) ends the session; the
   * views hear that, then every receiver (of the session's signals and the
   * model's) is disconnected.
   */
  close(comm_closed = false): Promise<void> {
    this._viewGrace?.cancel();
    this._pollBrowserStats(false);
    this._client?.dispose('the widget was closed', !comm_closed);
    this._pageExit?.dispose();
    const closed = super.close(comm_closed);
    Signal.clearData(this);
    return closed;
  }

  private _send(message: FrontendMessage): void {
    // JSON by construction; the protocol's interfaces only lack an index signature.
    this.send(message as unknown as CommContent, this.callbacks());
  }

  /** One kernel-transport buffer: `media` messages carry nothing else, so no callbacks. */
  private _sendMedia(buffer: Uint8Array): void {
    if (this.comm_live) {
      this.send({ type: 'media' }, undefined, [buffer]);
    }
  }

  private _onState(client: SignallingClient): void {
    this._reportState();
    const active = client.active;
    if (!active) {
      this._viewGrace.cancel();
      this._setStats(null);
    }
    this._updateStatsPolling();
    this._pageExit.setActive(active);
  }

  /** The browser's figures are read while playing with the stats overlay shown (widget or site setting). */
  private _updateStatsPolling(): void {
    const shown = resolveShowStats(this.get('show_stats'), this._env.settings.current);
    this._pollBrowserStats(this._client.state === 'playing' && shown);
  }

  /** Reads getStats() every `browserStatsMs` while on; stopping clears the figures. */
  private _pollBrowserStats(on: boolean): void {
    if (on && this._statsTimer === null) {
      // the kernel link's meter counts since its last reading: start a fresh interval, or the first
      // figures shown (the overlay turned on minutes in) would average over everything before
      this._client.readKernelLink();
      this._statsTimer = setInterval(() => void this._readBrowserStats(), WebRtcStreamerModel.browserStatsMs);
    } else if (!on && this._statsTimer !== null) {
      clearInterval(this._statsTimer);
      this._statsTimer = null;
      this._lastSample = null;
      this._setBrowserStats(null);
    }
  }

  private async _readBrowserStats(): Promise<void> {
    const link = this._client.transport === 'kernel' ? this._client.readKernelLink() : null;
    if (link) {
      this._setBrowserStats(kernelLinkStats(link.figures, link.dropped));
      return;
    }
    let reading;
    try {
      reading = await this._client.getStats();
    } catch (error) {
      console.warn('jupyterlab-webrtc: getStats() failed', error);
      return;
    }
    if (!reading || this._statsTimer === null) {
      return;
    }
    const sample = parseRtcStats(reading.report, performance.now());
    const before = this._lastSample?.sessionId === reading.sessionId ? this._lastSample.sample : null;
    this._lastSample = { sessionId: reading.sessionId, sample };
    this._setBrowserStats(browserStats(sample, before));
  }

  private _setBrowserStats(stats: IBrowserStats | null): void {
    if (stats !== this._browserStats) {
      this._browserStats = stats;
      this._browserStatsChanged.emit(stats);
    }
  }

  private _setNotice(message: string): void {
    if (message !== this._notice) {
      this._notice = message;
      this._noticeChanged.emit(message);
    }
  }

  private _setStats(stats: IStatsMessage | null): void {
    if (stats !== this._stats) {
      this._stats = stats;
      this._statsChanged.emit(stats);
    }
  }

  private _onCustomMessage(content: unknown, buffers?: readonly unknown[]): void {
    if (isMedia(content)) {
      this._client.handleMedia(buffers); // checked there: one buffer, its header
      return;
    }
    const result = parseKernelMessage(content);
    if (!result.ok && isAnnotations(content)) {
      // Shown, not only logged: the notebook's code made them, and its author looks at the widget.
      this._setNotice(this.trans.__('malformed annotations from the kernel: %1', result.reason));
      return;
    }
    if (!result.ok) {
      console.warn(`jupyterlab-webrtc: ignoring a malformed message from the kernel: ${result.reason}`, content);
      return;
    }
    const message = result.message as KernelMessage;
    if (message.type === 'annotations') {
      if (this._client.active) {
        this._annotations.emit(message);
      }
    } else if (message.type === 'stats') {
      if (this._client.active) {
        this._setStats(message);
      }
    } else if (message.type === 'start') {
      void this._startFromKernel();
    } else if (message.type === 'select_camera') {
      this.chooseCamera(message.device_id);
    } else {
      void this._client.handleMessage(message);
    }
  }

  static serializers: ISerializers = {
    ...DOMWidgetModel.serializers,
  };

  static model_name = 'WebRtcStreamerModel';
  static model_module = MODULE_NAME;
  static model_module_version = MODULE_VERSION;
  static view_name = 'WebRtcStreamerView';
  static view_module = MODULE_NAME;
  static view_module_version = MODULE_VERSION;
}

function isMedia(content: unknown): boolean {
  return typeof content === 'object' && content !== null && (content as { type?: unknown }).type === 'media';
}

function isAnnotations(content: unknown): boolean {
  return typeof content === 'object' && content !== null && (content as { type?: unknown }).type === 'annotations';
}
