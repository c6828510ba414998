import { DOMWidgetView } from '@jupyter-widgets/base';

import { resolveShowStats } from '../settings';
import { ICamera, listCameras, loadCameraChoice } from './camera';
import { buildStreamer, IStreamerElements, showStream, trackVideoSize } from './dom';
import {
  CAMERA_EVENT,
  LOCAL_STREAM_EVENT,
  NOTICE_EVENT,
  REMOTE_STREAM_EVENT,
  STATE_EVENT,
  STATS_EVENT,
  WebRtcStreamerModel
} from './model';
import type { StreamState } from './signalling';
import { formatStats } from './stats';

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
    trackVideoSize(this._els.local);
    trackVideoSize(this._els.output);

    this._els.start.addEventListener('click', () => void this.startStreaming());
    this._els.stop.addEventListener('click', () => this.stopStreaming());
    this._els.camera.addEventListener('change', () => {
      this.model.chooseCamera(this._els.camera.value || null);
    });

    this.listenTo(this.model, STATE_EVENT, this._renderState);
    this.listenTo(this.model, LOCAL_STREAM_EVENT, this._renderLocalStream);
    this.listenTo(this.model, REMOTE_STREAM_EVENT, this._renderRemoteStream);
    this.listenTo(this.model, NOTICE_EVENT, this._renderError);
    this.listenTo(this.model, STATS_EVENT, this._renderStats);
    this.listenTo(this.model, CAMERA_EVENT, this._renderCameraChoice);
    this.listenTo(this.model, 'change:show_stats', this._renderStats);
    this.listenTo(this.model, 'change:transform_error', this._renderError);
    this.listenTo(this.model, 'change:key', () => void this._refreshCameras());
    const env = this.model.env;
    this._unsubscribeSettings = env.settings.subscribe(() => this._renderStats());
    if (env.devices?.addEventListener) {
      this._onDeviceChange = () => void this._refreshCameras();
      env.devices.addEventListener('devicechange', this._onDeviceChange);
    }

    this.model.attachView(this);
    this._renderState();
    this._renderStats();
    this._renderError();
    // A view of a running session (a re-run cell) shows its streams at once.
    this._showIfChanged(this._els.local, this.model.localStream);
    this._showIfChanged(this._els.output, this.model.remoteStream);
    void this._refreshCameras(this._cameraInUse());
  }

  /** The session state (the first word of the status line). */
  get state(): StreamState {
    return this.model.streamState;
  }

  /** Opens the camera and negotiates with the kernel (the model's session). */
  async startStreaming(): Promise<void> {
    const deviceId = this._els.camera.value || loadCameraChoice(this.model.cameraKey);
    await this.model.startStreaming({
      deviceId,
      listed: this._cameras.some(c => c.deviceId === deviceId)
    });
  }

  /** Stops the model's session (telling the kernel) and releases the camera. */
  stopStreaming(reason = ''): void {
    this.model.stopStreaming(reason);
  }

  remove(): any {
    // The session outlives the view: the model stops it if no other view
    // shows it within its grace period.
    this.model.detachView(this);
    this._unsubscribeSettings?.();
    this._unsubscribeSettings = null;
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
    this.el.dataset.sessionId = String(model.sessionId);
    els.status.textContent =
      model.streamState === 'idle'
        ? 'idle: press Start to stream the camera'
        : model.statusText;
    const active = model.active;
    els.start.disabled = active;
    els.stop.disabled = !active;
    els.camera.disabled = active;
    this._renderError();
  }

  private _renderLocalStream(stream: MediaStream | null): void {
    this._showIfChanged(this._els.local, stream);
    if (stream) {
      // Labels and ids are visible once the camera is allowed.
      void this._refreshCameras(this._cameraInUse());
    }
  }

  private _renderRemoteStream(stream: MediaStream | null): void {
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

  private _renderCameraChoice(deviceId: string | null): void {
    const select = this._els.camera;
    if (!deviceId) {
      select.value = '';
    } else if (this._cameras.some(c => c.deviceId === deviceId)) {
      select.value = deviceId;
    }
  }

  private async _refreshCameras(inUse?: string): Promise<void> {
    let cameras: ICamera[] = [];
    try {
      cameras = await listCameras(this.model.env.devices);
    } catch (error) {
      console.warn('jupyterlab-webrtc: could not list cameras', error);
    }
    this._cameras = cameras;
    const select = this._els.camera;
    const chosen = loadCameraChoice(this.model.cameraKey);
    select.replaceChildren();
    const fallback = document.createElement('option');
    fallback.value = '';
    fallback.textContent = cameras.length ? 'Default camera' : 'Default camera (allow access to list cameras)';
    select.append(fallback);
    for (const camera of cameras) {
      const option = document.createElement('option');
      option.value = camera.deviceId;
      option.textContent = camera.label;
      select.append(option);
    }
    const selected = [chosen, inUse].find(
      id => id && cameras.some(c => c.deviceId === id)
    );
    select.value = selected ?? '';
  }

  private _showStats(): boolean {
    return resolveShowStats(this.model.get('show_stats'), this.model.env.settings.current);
  }

  private _renderStats(): void {
    const el = this._els?.stats;
    if (!el) {
      return;
    }
    const stats = this.model.stats;
    if (!this._showStats() || !stats) {
      el.hidden = true;
      el.replaceChildren();
      return;
    }
    el.hidden = false;
    el.replaceChildren(
      ...formatStats(stats).map(line => {
        const div = document.createElement('div');
        div.textContent = line;
        return div;
      })
    );
  }

  private _renderError(): void {
    const el = this._els?.error;
    if (!el) {
      return;
    }
    const transformError = this.model.get('transform_error');
    const lines = [
      this.model.errorText,
      this.model.notice,
      typeof transformError === 'string' && transformError
        ? `transform error: ${transformError}`
        : ''
    ].filter(line => line);
    el.replaceChildren(
      ...lines.map(line => {
        const div = document.createElement('div');
        div.textContent = line;
        return div;
      })
    );
    el.hidden = lines.length === 0;
  }

  private _els!: IStreamerElements;
  private _cameras: ICamera[] = [];
  private _unsubscribeSettings: (() => void) | null = null;
  private _onDeviceChange: (() => void) | null = null;
}
