/**
 * The streamer's widget view: renders the model's one session (buttons,
 * camera picker, videos, status, errors, stats) and forwards the user's
 * actions to the model. It holds no session state of its own.
 */
import { DOMWidgetView } from '@jupyter-widgets/base';
import { Signal } from '@lumino/signaling';

import { resolveShowStats } from '../settings';
import { AudioControls } from './audio-controls';
import { IDevice, loadDeviceChoice, showDeviceChoices } from './device-choice';
import { IDisplayOptions, readDisplayOptions } from './display-options';
import {
  applyDisplay,
  applyTexts,
  buildStreamer,
  IStreamerElements,
  layoutForMode,
  renderStatsTable,
  showStream,
  trackVideoSize,
} from './dom';
import { WebRtcStreamerModel } from './model';
import { AnnotationOverlay } from './overlay';
import { RecordButton } from './record-button';
import type { StreamState } from './signalling';
import { readShownFrames, shownFps, IShownFrames } from './shown-frames';
import { IShownFigures, statsGroups, statsNotes } from './stats';
import { IStreamerTexts, streamerTexts } from './texts';

// The environment now belongs to the model; re-exported for existing imports.
export { streamerEnvironment } from './environment';
export type { IStreamerEnvironment } from './environment';

/**
 * The streamer view: Start/Stop, camera choice, local preview, the kernel's
 * processed output, a status line, errors, and an optional stats overlay.
 *
 * The session itself belongs to the model: every view of a model shows the
 * same session (same streams, status, stats), and removing a view does not
 * stop it (the model stops it when its last view has been gone for a while).
 */
export class WebRtcStreamerView extends DOMWidgetView {
  declare model: WebRtcStreamerModel;

  render(): void {
    super.render();
    this._els = buildStreamer(this.el);
    this._readDisplay();
    this._overlay = new AnnotationOverlay();
    this._renderMode();
    trackVideoSize(this._els.local);
    trackVideoSize(this._els.output);

    this._els.start.addEventListener('click', () => void this.startStreaming());
    this._els.stop.addEventListener('click', () => this.stopStreaming());
    this._els.camera.addEventListener('change', () => {
      this.model.chooseCamera(this._els.camera.value || null);
    });
    this._els.logClear.addEventListener('click', () => this.model.clearLog());
    this._record = new RecordButton((action) => this.model.record(action), this._texts);
    this._els.stop.after(this._record.button);
    this._els.status.after(this._record.files);
    this._audio = new AudioControls(this.model, this._els.output, this._texts);
    this._audio.insertAfter(this._els.camera.parentElement ?? this._els.camera);

    // Lumino signals, with this view as receiver: remove() disconnects them.
    const model = this.model;
    model.stateChanged.connect(this._renderState, this);
    model.localStreamChanged.connect(this._renderLocalStream, this);
    model.remoteStreamChanged.connect(this._renderRemoteStream, this);
    model.noticeChanged.connect(this._renderError, this);
    model.statsChanged.connect(this._renderStats, this);
    model.browserStatsChanged.connect(this._onBrowserStats, this);
    model.cameraChosen.connect(this._renderCameraChoice, this);
    model.microphoneChosen.connect((_, id) => this._audio.showChoice(id), this);
    model.outputMutedChanged.connect(() => this._audio.render(), this);
    model.annotationsReceived.connect((_, message) => this._overlay.add(message), this);
    const env = model.env;
    env.settings.changed.connect(this._renderStats, this);
    // The synced traits: Backbone events (listenTo is undone by remove()).
    this.listenTo(model, 'change:show_stats', this._renderStats);
    this.listenTo(model, 'change:transform_error change:protocol_version change:kernel_version', this._renderError);
    this.listenTo(model, 'change:log', this._renderLog);
    this.listenTo(model, 'change:recording', this._renderRecording);
    this.listenTo(model, 'change:key', () => void this._refreshCameras());
    this.listenTo(model, 'change:mode', () => {
      this._renderMode();
      this._renderState();
    });
    // The notebook's display options (labels, mirror, showInput, size): a re-run cell may change them.
    this.listenTo(model, 'change:labels change:mirror change:show_input change:size', this._renderDisplay);
    this.listenTo(model, 'change:audio', () => {
      this._audio.render();
      void this._audio.refresh();
    });
    if (env.devices?.addEventListener) {
      this._onDeviceChange = () => void this._refreshCameras();
      env.devices.addEventListener('devicechange', this._onDeviceChange);
    }

    this.model.attachView(this);
    applyTexts(this._els, this._texts);
    applyDisplay(this._els, this._display);
    this._renderState();
    this._renderStats();
    this._renderError();
    this._renderLog();
    // A view of a running session (a re-run cell) shows its streams at once.
    this._showIfChanged(this._els.local, this.model.localStream);
    this._showIfChanged(this._els.output, this.model.remoteStream);
    void this._refreshCameras(this._cameraInUse());
    void this._audio.refresh(this.model.localStream?.getAudioTracks?.()[0]?.getSettings?.().deviceId);
  }

  /** The session state (the first word of the status line). */
  get state(): StreamState {
    return this.model.streamState;
  }

  /** Opens the camera and negotiates with the kernel (the model's session). */
  async startStreaming(): Promise<void> {
    const deviceId = this._els.camera.value || loadDeviceChoice('camera', this.model.cameraKey);
    await this.model.startStreaming(
      {
        deviceId,
        listed: this._cameras.some((c) => c.deviceId === deviceId),
      },
      this._audio.request(),
    );
  }

  /** Stops the model's session (telling the kernel) and releases the camera. */
  stopStreaming(reason = ''): void {
    this.model.stopStreaming(reason);
  }

  remove(): this {
    // The session outlives the view: the model stops it if no other view
    // shows it within its grace period.
    this.model.detachView(this);
    Signal.disconnectReceiver(this);
    this._overlay.dispose();
    if (this._onDeviceChange) {
      this.model.env.devices?.removeEventListener?.('devicechange', this._onDeviceChange);
      this._onDeviceChange = null;
    }
    return super.remove();
  }

  private _renderState(): void {
    const els = this._els;
    const model = this.model;
    this.el.dataset.state = model.streamState;
    // Debugging hook for UI tests: changes only when a new session starts.
    if (this.el.dataset.sessionId !== String(model.sessionId) || !model.active) {
      // another session's (or a stopped stream's) annotations are not drawn over this one
      this._overlay.clear();
    }
    this.el.dataset.sessionId = String(model.sessionId);
    const texts = this._texts;
    els.status.textContent =
      model.streamState === 'idle'
        ? texts.idle(model.mode ?? 'sendrecv')
        : texts.status(model.streamState, model.shownStatusDetail);
    const active = model.active;
    els.start.disabled = active;
    els.stop.disabled = !active;
    // While playing, another camera is switched to at once (replaceTrack); not while connecting.
    els.camera.disabled = model.streamState === 'connecting';
    this._renderRecording();
    this._audio.render();
    this._renderError();
  }

  /** The panes the mode uses (sendonly: no output video; recvonly: no camera preview or picker). */
  private _renderMode(): void {
    const mode = this.model.mode ?? 'sendrecv';
    layoutForMode(this._els, mode, this.el);
    this._placeOverlay();
  }

  /** Over the video the annotations belong to: the kernel's output, or the preview in sendonly (mirrored with it). */
  private _placeOverlay(): void {
    const sendonly = (this.model.mode ?? 'sendrecv') === 'sendonly';
    this._overlay.attach(sendonly ? this._els.local : this._els.output);
    this._overlay.setMirrored(sendonly && this._display.mirror);
  }

  private _renderRecording(): void {
    this._record?.render(this.model.recording, this.model.streamState === 'playing');
  }

  private _renderLocalStream(_: unknown, stream: MediaStream | null): void {
    this._showIfChanged(this._els.local, stream);
    if (stream) {
      // Labels and ids are visible once the camera is allowed.
      void this._refreshCameras(this._cameraInUse());
      void this._audio.refresh(stream.getAudioTracks?.()[0]?.getSettings?.().deviceId);
    }
  }

  private _renderRemoteStream(_: unknown, stream: MediaStream | null): void {
    this._showIfChanged(this._els.output, stream);
  }

  private _showIfChanged(video: HTMLVideoElement, stream: MediaStream | null): void {
    if ((video.srcObject ?? null) !== stream) {
      showStream(video, stream);
    }
  }

  private _cameraInUse(): string | undefined {
    return this.model.localStream?.getVideoTracks()[0]?.getSettings?.().deviceId;
  }

  private _renderCameraChoice(_: unknown, deviceId: string | null): void {
    const select = this._els.camera;
    if (!deviceId) {
      select.value = '';
    } else if (this._cameras.some((c) => c.deviceId === deviceId)) {
      select.value = deviceId;
    }
  }

  private async _refreshCameras(inUse?: string): Promise<void> {
    const { env, cameraKey } = this.model;
    this._cameras = await showDeviceChoices(this._els.camera, 'camera', env.devices, cameraKey, inUse, this._texts);
  }

  private _showStats(): boolean {
    return resolveShowStats(this.model.get('show_stats'), this.model.env.settings.current);
  }

  private _renderStats(): void {
    const el = this._els?.stats;
    if (!el) {
      return;
    }
    const kernel = this.model.stats;
    const browser = this.model.browserStats;
    if (!this._showStats() || (!kernel && !browser)) {
      el.hidden = true;
      el.replaceChildren();
      return;
    }
    el.hidden = false;
    const shown = this._shown;
    const trans = this.model.trans;
    renderStatsTable(el, statsGroups(kernel, browser, shown, trans), statsNotes(kernel, browser, shown, trans), trans);
  }

  /**
   * The browser's figures arrived (once a second): this view's output video is read at the same
   * time, so shown frames are measured over the same intervals.
   */
  private _onBrowserStats(): void {
    const reading = this.model.browserStats ? readShownFrames(this._els.output, performance.now()) : null;
    if (reading) {
      const before = this._lastShown;
      // The video's counts start when it gets the stream (a new load): this session's frames.
      this._shown = { fps: shownFps(reading, before), total: reading.shown, renderDropped: reading.renderDropped };
    } else {
      this._shown = null;
    }
    this._lastShown = reading;
    this._renderStats();
  }

  private _renderError(): void {
    const el = this._els?.error;
    if (!el) {
      return;
    }
    const transformError = this.model.get('transform_error');
    const lines = [
      this.model.versionMismatch,
      this._texts.detail(this.model.errorText),
      this.model.notice,
      typeof transformError === 'string' && transformError ? this._texts.transformError(transformError) : '',
      ...this._display.problems.map((problem) => this._texts.optionIgnored(problem)),
    ].filter((line) => line);
    el.replaceChildren(
      ...lines.map((line) => {
        const div = document.createElement('div');
        div.textContent = line;
        return div;
      }),
    );
    el.hidden = lines.length === 0;
  }

  /** The log area: newest line last, kept scrolled to it unless the user scrolled up. */
  private _renderLog(): void {
    const els = this._els;
    if (!els) {
      return;
    }
    const lines = this.model.logLines;
    const box = els.logLines;
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 4;
    box.replaceChildren(
      ...lines.map((line) => {
        const div = document.createElement('div');
        div.className = 'jp-webrtc-log-line';
        div.textContent = line;
        return div;
      }),
    );
    els.logSummary.textContent = this._texts.logSummary(lines.length);
    els.log.hidden = lines.length === 0;
    if (atEnd) {
      box.scrollTop = box.scrollHeight;
    }
  }

  /** Reads the display traits (checked: a bad one is reported, its default used) and the texts they give. */
  private _readDisplay(): void {
    this._display = readDisplayOptions((name) => this.model.get(name));
    this._texts = streamerTexts(this.model.trans, this._display.labels);
  }

  /** The display traits changed: every text and the videos' layout again. */
  private _renderDisplay(): void {
    this._readDisplay();
    applyTexts(this._els, this._texts);
    applyDisplay(this._els, this._display);
    this._placeOverlay();
    this._record?.setTexts(this._texts);
    this._audio.setTexts(this._texts);
    this._renderState();
    this._renderLog();
    void this._refreshCameras(this._cameraInUse());
    void this._audio.refresh(this.model.localStream?.getAudioTracks?.()[0]?.getSettings?.().deviceId);
  }

  private _els!: IStreamerElements;
  private _display!: IDisplayOptions;
  private _texts!: IStreamerTexts;
  private _record: RecordButton | null = null;
  private _overlay!: AnnotationOverlay;
  private _audio!: AudioControls;
  private _shown: IShownFigures | null = null;
  private _lastShown: IShownFrames | null = null;
  private _cameras: IDevice[] = [];
  private _onDeviceChange: (() => void) | null = null;
}
