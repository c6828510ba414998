/**
 * The streamer widget: one widget model = one stream = at most one peer at a time. The browser
 * negotiates over the widget's comm; frames flow camera → MediaPeer (worker) → transform → back.
 */
import { AsyncResource } from 'async_hooks';
import { Observable, Subscription } from 'rxjs';
import { errorMessage, errorSummary } from '../errors';
import { getKernelApi, JSONObject, JSONValue, Unsubscribe } from '../kernel/api';
import type { Frame } from '../media';
import { CandidateInit, IceServerLike, MediaPeer, MediaPeerOptions, MediaStats, PeerState } from '../rtc';
import { Widget } from '../widgets/widget';
import { StreamerLog } from './log';
import { TransformPipeline, Transform } from './pipeline';
import { fitToLimits, KernelMessage, KernelStatus, parseFrontendMessage } from './protocol';
import { StreamerState, streamerTraits } from './state';

export interface StreamerOptions {
  /** Names the stream: running the cell again with the same key reuses the widget and its connection. */
  key: string;
  /** ICE servers for both sides; default: the browser's site setting (none: host candidates only). */
  iceServers?: IceServerLike[];
  codec?: 'VP8';
  /** Show the stats overlay; default: the site setting. */
  showStats?: boolean;
  /** getUserMedia constraints for the browser, e.g. `{video: {width: 1280, height: 720}}`. */
  mediaConstraints?: JSONObject;
  /** Extra host addresses for ICE; loopback is always included (JupyterLab on this machine). */
  hostAddresses?: string[];
}

const MAX_EARLY_CANDIDATES = 64;

const STATUS_OF: Record<PeerState, KernelStatus> = {
  new: 'connecting',
  connecting: 'connecting',
  connected: 'playing',
  failed: 'error',
  closed: 'stopped',
};

export class WebRtcStreamer extends Widget<StreamerState> {
  private peer: MediaPeer | null = null;
  private peerSubscriptions = new Subscription();
  private readonly pipeline: TransformPipeline;
  private reportToNotebook: (message: string) => void = () => undefined;
  private lastReported = '';
  /** The widget's log area: what the transform prints and its errors, which cells drop once finished. */
  private readonly streamerLog = new StreamerLog((lines) => !this.isClosed && this.set({ log: lines }));
  private lastLogged = '';
  private readonly stopOnShutdown: Unsubscribe;
  private hostAddresses: string[];
  /** Signalling is handled in arrival order: candidates trickle in while the offer is answered. */
  private inbox: Promise<void> = Promise.resolve();
  /** Candidates that came before their offer (a browser may trickle them first), bounded. */
  private earlyCandidates: (CandidateInit | null)[] = [];
  /**
   * A peer started ahead of the next Start: spawning the worker and loading werift and the codecs
   * takes most of a second, which would otherwise come before the first frame. It opens no socket
   * until it answers an offer.
   */
  private spare: { peer: Promise<MediaPeer>; config: string } | null = null;
  private ending = false;
  /** Takes the current transform out of the scope of the cell that set it (see transform()). */
  private unscopeTransform: Unsubscribe = () => undefined;

  constructor(options: StreamerOptions) {
    super(streamerTraits(), toState(options));
    this.hostAddresses = hostAddressesOf(options);
    const api = getKernelApi();
    const toLog = (name: 'stdout' | 'stderr', text: string) => this.streamerLog.write(name, text);
    this.pipeline = new TransformPipeline({
      output: (frame) => this.peer?.send(frame),
      error: (error) => this.onTransformError(error),
      recovered: () => {
        this.lastLogged = '';
        this.set({ transform_error: '' });
      },
      run: (fn) => api.captureOutput(toLog, fn),
    });
    this.custom$.subscribe({
      next: ({ content }) => {
        this.inbox = this.inbox.then(() => this.onFrontendMessage(content));
      },
      complete: () => void this.end('the widget was closed'),
    });
    this.stopOnShutdown = getKernelApi().onShutdown(() => this.end('the kernel shut down'));
    this.prepareSpare(this.get('ice_servers') ?? []);
  }

  /** Incoming camera frames, before the transform. */
  get frames$(): Observable<Frame> {
    return this.pipeline.frames$;
  }

  get status$(): Observable<KernelStatus> {
    return this.observe('kernel_status');
  }

  /**
   * Sets (or swaps) what is done to each frame: `(frames$) => frames$.pipe(map(...))`. Takes
   * effect on the next frame; the connection is not renegotiated.
   */
  transform(transform: Transform): this {
    // Errors are printed under the cell that set the transform, whenever they happen.
    this.reportToNotebook = AsyncResource.bind((message: string) => console.error(message));
    this.lastReported = '';
    this.lastLogged = '';
    this.set({ transform_error: '' });
    this.pipeline.setTransform(transform);
    // Belongs to the cell that set it: when that cell runs again without setting one, frames pass
    // through unchanged. One registration at a time, so a cell setting transforms in a loop does
    // not grow its scope; a transform set by another cell since then is left alone.
    this.unscopeTransform();
    const scope = getKernelApi().currentScope();
    this.unscopeTransform = scope ? scope.add(() => this.resetTransform()) : () => undefined;
    return this;
  }

  /** Back to pass-through, without joining any scope (it runs while one is being disposed). */
  private resetTransform(): void {
    this.unscopeTransform = () => undefined;
    if (this.isClosed) return;
    this.set({ transform_error: '' });
    this.pipeline.setTransform((frames$) => frames$);
  }

  /** Applies options from a re-run cell to the existing stream. */
  update(options: StreamerOptions): this {
    const { key: _key, ...rest } = toState(options);
    this.set(rest);
    this.hostAddresses = hostAddressesOf(options);
    return this;
  }

  /** Stops streaming (the browser keeps the widget; Start begins a new session). */
  async stop(): Promise<void> {
    await this.release('stopped from the notebook');
  }

  override close(): void {
    this.stopOnShutdown();
    this.streamerLog.dispose();
    super.close();
  }

  private async onFrontendMessage(content: JSONValue): Promise<void> {
    let message;
    try {
      message = parseFrontendMessage(content);
    } catch (error) {
      // A ProtocolError: its message says what is wrong with the browser's message.
      this.tell({ type: 'error', message: errorMessage(error), fatal: false });
      this.log(errorMessage(error));
      return;
    }
    switch (message.type) {
      case 'offer':
        await this.answer(message.sdp, this.get('ice_servers') ?? message.ice_servers);
        return;
      case 'candidate':
        if (!this.peer) {
          if (this.earlyCandidates.length < MAX_EARLY_CANDIDATES) this.earlyCandidates.push(message.candidate);
          return;
        }
        await this.addCandidate(this.peer, message.candidate);
        return;
      case 'stop':
        await this.release('stopped by the user');
        return;
      case 'clear_log':
        this.streamerLog.clear();
    }
  }

  private async answer(sdp: string, iceServers: IceServerLike[]): Promise<void> {
    await this.release(null);
    this.set({ kernel_status: 'connecting' });
    const peer = await this.takePeer(iceServers);
    this.peer = peer;
    const subscriptions = (this.peerSubscriptions = new Subscription());
    subscriptions.add(peer.frames$.subscribe((frame) => this.pipeline.push(frame)));
    subscriptions.add(peer.localCandidates$.subscribe((candidate) => this.tell({ type: 'candidate', candidate })));
    subscriptions.add(peer.stats$.subscribe((stats) => this.tellStats(stats)));
    subscriptions.add(peer.errors$.subscribe((error) => this.log(`media: ${error.message}`)));
    subscriptions.add(peer.state$.subscribe((state) => this.onPeerState(peer, state)));
    try {
      const answer = await peer.answer(sdp);
      if (this.peer === peer) this.tell({ type: 'answer', sdp: answer });
      for (const candidate of this.earlyCandidates.splice(0)) await this.addCandidate(peer, candidate);
    } catch (error) {
      this.tell({ type: 'error', message: `could not answer the offer: ${errorSummary(error)}`, fatal: true });
      await this.release(null, 'error');
    }
  }

  private async addCandidate(peer: MediaPeer, candidate: CandidateInit | null): Promise<void> {
    await peer.addRemoteCandidate(candidate).catch((error) =>
      this.tell({ type: 'error', message: `bad ICE candidate: ${errorSummary(error)}`, fatal: false }),
    );
  }

  private onPeerState(peer: MediaPeer, state: PeerState): void {
    if (this.peer !== peer) return;
    if (state === 'failed') {
      this.tell({ type: 'error', message: 'the connection to the browser failed', fatal: true });
      void this.release(null, 'error');
      return;
    }
    if (state === 'closed') {
      void this.release('the connection closed');
      return;
    }
    this.set({ kernel_status: STATUS_OF[state] });
  }

  /** Releases the peer (sockets, codecs, worker); says why to the browser unless `reason` is null. */
  private async release(reason: string | null, status: KernelStatus = 'stopped'): Promise<void> {
    const peer = this.peer;
    if (reason !== null) this.earlyCandidates = [];
    if (!peer) return;
    this.peer = null;
    this.peerSubscriptions.unsubscribe();
    await peer.close();
    if (this.isClosed || this.ending) return;
    this.set({ kernel_status: status });
    if (reason !== null) this.tell({ type: 'stopped', reason });
    this.prepareSpare(this.get('ice_servers') ?? []);
  }

  /** The widget closed or the kernel shuts down: release everything, start nothing new. */
  private async end(reason: string): Promise<void> {
    this.ending = true;
    const spare = this.spare;
    this.spare = null;
    await Promise.all([this.release(reason), spare?.peer.then((peer) => peer.close(), () => undefined)]);
  }

  private peerConfig(iceServers: IceServerLike[]): { options: MediaPeerOptions; key: string } {
    const options = { iceServers, codec: this.get('codec'), hostAddresses: this.hostAddresses };
    return { options, key: JSON.stringify(options) };
  }

  private prepareSpare(iceServers: IceServerLike[]): void {
    if (this.spare || this.ending || this.isClosed) return;
    const { options, key } = this.peerConfig(iceServers);
    const peer = MediaPeer.create(options);
    peer.catch((error) => this.log(`could not start a spare media worker: ${errorSummary(error)}`));
    this.spare = { peer, config: key };
  }

  /** The spare peer when it was made for these settings (the usual case), else a new one. */
  private async takePeer(iceServers: IceServerLike[]): Promise<MediaPeer> {
    const { options, key } = this.peerConfig(iceServers);
    const spare = this.spare;
    this.spare = null;
    if (spare && spare.config === key) {
      const peer = await spare.peer.catch(() => null);
      if (peer && peer.currentState === 'new') return peer;
      void peer?.close();
    } else if (spare) {
      void spare.peer.then((peer) => peer.close(), () => undefined);
    }
    return MediaPeer.create(options);
  }

  private onTransformError(error: unknown): void {
    const message = errorSummary(error);
    this.set({ transform_error: message });
    // Logged once until it recovers or changes: a transform failing on every frame adds one line.
    if (message !== this.lastLogged) {
      this.lastLogged = message;
      this.streamerLog.add(`transform error: ${message}`, `frame ${this.pipeline.frameCount}:`);
    }
    // Once per distinct error, not 30 times a second.
    if (message !== this.lastReported) {
      this.lastReported = message;
      this.reportToNotebook(`transform error: ${message}\n(frames pass through unchanged until the transform works again)`);
    }
  }

  private tellStats(stats: MediaStats): void {
    this.tell({ type: 'stats', ...stats, transform_ms: Math.round(this.pipeline.transformMs * 10) / 10 });
  }

  private tell(message: KernelMessage): void {
    // The protocol's messages are JSON by construction (interfaces only lack the index signature).
    if (!this.isClosed) this.send(fitToLimits(message) as unknown as JSONObject);
  }
}

/** Notebook-facing option names → synced state. */
type OptionState = Pick<StreamerState, 'key' | 'ice_servers' | 'codec' | 'show_stats' | 'media_constraints'>;

function toState(options: StreamerOptions): OptionState {
  if (!options || typeof options.key !== 'string' || options.key === '') {
    throw new TypeError('webrtcStreamer needs a non-empty string key, e.g. webrtcStreamer({ key: "edges" })');
  }
  return {
    key: options.key,
    ice_servers: options.iceServers ?? null,
    codec: options.codec ?? 'VP8',
    show_stats: options.showStats ?? null,
    media_constraints: options.mediaConstraints ?? null,
  };
}

function hostAddressesOf(options: StreamerOptions): string[] {
  return [...new Set(['127.0.0.1', ...(options.hostAddresses ?? [])])];
}
