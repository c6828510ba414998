import { DOMWidgetView } from '@jupyter-widgets/base';

import {
  resolveCodec,
  resolveIceServers,
  resolveShowStats,
  SettingsStore,
  siteSettings
} from '../settings';
import {
  buildConstraints,
  ICamera,
  IMediaDevicesLike,
  listCameras,
  loadCameraChoice,
  mediaDevices,
  saveCameraChoice
} from './camera';
import { buildStreamer, IStreamerElements, showStream, trackVideoSize } from './dom';
import type { IStatsMessage, KernelMessage } from './messages';
import { KERNEL_MESSAGE_EVENT, WebRtcStreamerModel } from './model';
import {
  IPeerConnectionLike,
  ISignallingOptions,
  SignallingClient,
  StreamState
} from './signalling';
import { formatStats } from './stats';

/** What the view needs from the page; tests replace it. */
export interface IStreamerEnvironment {
  devices: IMediaDevicesLike | null;
  createPeerConnection(config: RTCConfiguration): IPeerConnectionLike;
  getCodecCapabilities?: ISignallingOptions['getCodecCapabilities'];
  makeStream?: ISignallingOptions['makeStream'];
  settings: SettingsStore;
}

function browserEnvironment(): IStreamerEnvironment {
  return {
    devices: mediaDevices(),
    createPeerConnection: config => {
      if (typeof RTCPeerConnection === 'undefined') {
        throw new Error('this browser has no WebRTC (RTCPeerConnection)');
      }
      return new RTCPeerConnection(config) as unknown as IPeerConnectionLike;
    },
    settings: siteSettings
  };
}

/** Replaceable for tests: the environment new views are created with. */
export const streamerEnvironment: { create: () => IStreamerEnvironment } = {
  create: browserEnvironment
};

/**
 * The streamer view: Start/Stop, camera choice, local preview, the kernel's
 * processed output, a status line, errors, and an optional stats overlay.
 */
export class WebRtcStreamerView extends DOMWidgetView {
  declare model: WebRtcStreamerModel;

  render(): void {
    super.render();
    this._env = streamerEnvironment.create();
    this._els = buildStreamer(this.el);
    trackVideoSize(this._els.local);
    trackVideoSize(this._els.output);

    const devices = this._env.devices;
    this._client = new SignallingClient({
      send: message => this.model.send(message as any, this.callbacks()),
      getUserMedia: constraints => {
        if (!devices) {
          const error = new Error(
            'this page cannot use cameras (it needs https or localhost)'
          );
          error.name = 'SecurityError';
          return Promise.reject(error);
        }
        return devices.getUserMedia(constraints);
      },
      createPeerConnection: config => this._env.createPeerConnection(config),
      getCodecCapabilities: this._env.getCodecCapabilities,
      makeStream: this._env.makeStream,
      listener: {
        stateChanged: (state, detail) => this._onState(state, detail),
        localStream: stream => this._onLocalStream(stream),
        remoteStream: stream => showStream(this._els.output, stream),
        notice: message => {
          this._notice = message;
          this._renderError();
        }
      }
    });

    this._els.start.addEventListener('click', () => void this.startStreaming());
    this._els.stop.addEventListener('click', () => this.stopStreaming());
    this._els.camera.addEventListener('change', () => {
      saveCameraChoice(this._key(), this._els.camera.value || null);
    });

    this.listenTo(this.model, KERNEL_MESSAGE_EVENT, this._onKernelMessage);
    this.listenTo(this.model, 'change:show_stats', this._renderStatsVisibility);
    this.listenTo(this.model, 'change:transform_error', this._renderError);
    this.listenTo(this.model, 'change:key', () => void this._refreshCameras());
    this._unsubscribeSettings = this._env.settings.subscribe(() =>
      this._renderStatsVisibility()
    );
    if (devices?.addEventListener) {
      this._onDeviceChange = () => void this._refreshCameras();
      devices.addEventListener('devicechange', this._onDeviceChange);
    }

    // Leaving or reloading the page ends the stream too (remove() is not
    // called then): tell the kernel so it releases the peer at once.
    this._onPageHide = () => this.stopStreaming('the page was closed');
    window.addEventListener('pagehide', this._onPageHide);

    this._onState(this._client.state, 'press Start to stream the camera');
    this._renderStatsVisibility();
    this._renderError();
    void this._refreshCameras();
  }

  /** The session state (the first word of the status line). */
  get state(): StreamState {
    return this._client?.state ?? 'idle';
  }

  /** Opens the camera and negotiates with the kernel. */
  async startStreaming(): Promise<void> {
    const client = this._client;
    if (!client || client.active) {
      return;
    }
    // One stream is one peer connection: another view of this model gives up.
    const other = this.model.streamingView as WebRtcStreamerView | null;
    if (other && other !== this) {
      other.stopStreaming('continued in another view');
    }
    this.model.streamingView = this;
    this._notice = '';
    this._stats = null;
    this._renderStats();
    const settings = this._env.settings.current;
    const deviceId = this._els.camera.value || loadCameraChoice(this._key());
    const listed = this._cameras.some(c => c.deviceId === deviceId);
    const constraints = buildConstraints(this.model.get('media_constraints'), deviceId);
    if (deviceId && !listed && typeof constraints.video === 'object') {
      // Not verified against the device list (ids hidden before permission):
      // prefer it, but fall back to another camera rather than failing.
      constraints.video.deviceId = { ideal: deviceId };
    }
    await client.start({
      constraints,
      iceServers: resolveIceServers(this.model.get('ice_servers'), settings),
      codec: resolveCodec(this.model.get('codec'), settings)
    });
  }

  /** Stops the session (telling the kernel) and releases the camera. */
  stopStreaming(reason = ''): void {
    this._client?.stop(reason);
  }

  remove(): any {
    // Removing the view while streaming stops the stream.
    this._client?.dispose();
    if (this.model.streamingView === this) {
      this.model.streamingView = null;
    }
    this._unsubscribeSettings?.();
    if (this._onPageHide) {
      window.removeEventListener('pagehide', this._onPageHide);
    }
    if (this._onDeviceChange) {
      this._env.devices?.removeEventListener?.('devicechange', this._onDeviceChange);
    }
    return super.remove();
  }

  private _key(): string {
    const key = this.model.get('key');
    return typeof key === 'string' && key ? key : this.model.model_id;
  }

  private _onKernelMessage(message: KernelMessage): void {
    if (message.type === 'stats') {
      this._stats = message;
      this._renderStats();
      return;
    }
    // Signalling belongs to the view that streams (or any, when none does).
    const owner = this.model.streamingView;
    if (owner && owner !== this) {
      return;
    }
    void this._client.handleMessage(message);
  }

  private _onState(state: StreamState, detail: string): void {
    const els = this._els;
    this.el.dataset.state = state;
    els.status.textContent = detail ? `${state}: ${detail}` : state;
    const active = this._client?.active ?? false;
    els.start.disabled = active;
    els.stop.disabled = !active;
    els.camera.disabled = active;
    this._error = state === 'error' ? detail : '';
    if (!active) {
      this._stats = null;
      this._renderStats();
      if (this.model.streamingView === this) {
        this.model.streamingView = null;
      }
    }
    this._renderError();
  }

  private _onLocalStream(stream: MediaStream | null): void {
    showStream(this._els.local, stream);
    if (stream) {
      // Labels and ids are visible once the camera is allowed.
      const deviceId = stream.getVideoTracks()[0]?.getSettings?.().deviceId;
      void this._refreshCameras(deviceId);
    }
  }

  private async _refreshCameras(inUse?: string): Promise<void> {
    let cameras: ICamera[] = [];
    try {
      cameras = await listCameras(this._env.devices);
    } catch (error) {
      console.warn('jupyterlab-webrtc: could not list cameras', error);
    }
    this._cameras = cameras;
    const select = this._els.camera;
    const chosen = loadCameraChoice(this._key());
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
    return resolveShowStats(this.model.get('show_stats'), this._env.settings.current);
  }

  private _renderStatsVisibility(): void {
    this._renderStats();
  }

  private _renderStats(): void {
    const el = this._els?.stats;
    if (!el) {
      return;
    }
    const stats = this._stats;
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
      this._error,
      this._notice,
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

  private _env!: IStreamerEnvironment;
  private _els!: IStreamerElements;
  private _client!: SignallingClient;
  private _cameras: ICamera[] = [];
  private _error = '';
  private _notice = '';
  private _stats: IStatsMessage | null = null;
  private _unsubscribeSettings: (() => void) | null = null;
  private _onDeviceChange: (() => void) | null = null;
  private _onPageHide: (() => void) | null = null;
}
