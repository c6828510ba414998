/**
 * The streamer widget: one widget model = one stream = at most one peer at a time. The browser
 * negotiates over the widget's comm; frames flow camera → MediaPeer (worker) → transform → back,
 * and with `audio: true` the microphone's AudioFrames likewise through transformAudio.
 * Its `mode` may drop one direction (sendonly: nothing goes back; recvonly: no camera), and a
 * `source` (source.ts) may feed the transform instead of the camera.
 */
import { AsyncResource } from 'async_hooks';
import { Observable, Subscription } from 'rxjs';
import { errorMessage, errorSummary } from '../errors';
import { getKernelApi, JSONObject, JSONValue, Unsubscribe } from '../kernel/api';
import type { AudioFrame, Frame } from '../media';
import { CandidateInit, IceServerLike, MediaPeer, MediaPeerOptions, MediaStats, PeerState, perSecond } from '../rtc';
import { Widget } from '../widgets/widget';
import { StartOptions, StreamControl, StreamStatus } from './control';
import type { RecordedFile, RecordTarget } from '../rtc/record-protocol';
import { StreamerLog } from './log';
import { AnnotationChannel, Annotator } from './annotations';
import type { FrameAnnotations } from '../annotations/types';
import { AudioTransform, audioOutputCheck, TransformPipeline, Transform } from './pipeline';
import {
  AUDIO_STATS_STAGES,
  fitToLimits,
  FrontendMessage,
  ICE_TRANSPORT_POLICIES,
  IceTransportPolicy,
  IQuality,
  KernelMessage,
  KernelStatus,
  MAX_TEXT_LENGTH,
  MAX_RECORDING_FILES,
  MAX_RECORDING_PATH_LENGTH,
  parseFrontendMessage,
  STATS_STAGES,
  STREAM_MODES,
  StreamMode,
  Transport,
  TRANSPORTS,
} from './protocol';
import { videoDirectionOf } from '../rtc/sdp-direction';
import { chooseHostAddresses, HOST_INTERFACES_ENV } from '../deploy/host-addresses';
import { networkInterfaces } from 'node:os';
import { checkSource, FrameSource, SourceFeed } from './source';
import { defaultRecordNames, RecordOptions, recordTargets, shownPath } from './record-paths';
import { Recording } from './recording';
import { effectiveQuality, encoderCapsOf, QualityOptions, qualityState } from './quality';
import { FrameSnapshots, SnapshotOptions } from './snapshot';
import type { ConnectionReport } from './connection-report';
import { ConnectionReports } from './diagnosis';
import { prepareSpare, releaseSpare, retainSpare, takePeer } from './spare';
import { StreamerState, streamerTraits } from './state';
import { KernelTransportLink } from './kernel-transport';
import { StreamerLabels, Parsed, parseFlag, parseLabels, parseVideoSize } from './display-options';
import { STREAMER_PROTOCOL_VERSION, versionMismatch } from './handshake';
import { LIVENESS_TIMEOUT_MS } from '../rtc/media-peer';
import { Liveness } from '../rtc/worker/liveness';

export interface StreamerOptions {
  /** Names the stream: running the cell again with the same key reuses the widget and its connection. */
  key: string;
  /** ICE servers for both sides; default: the browser's site setting (none: host candidates only). */
  iceServers?: IceServerLike[];
  /**
   * The browser's ICE transport policy: 'relay' connects only through a TURN server of iceServers
   * (to check a TURN setup, or to keep the browser's addresses from the kernel); default: the site
   * setting ('all').
   */
  iceTransportPolicy?: IceTransportPolicy;
  codec?: 'VP8';
  /** Show the stats overlay; default: the site setting. */
  showStats?: boolean;
  /** getUserMedia constraints for the browser, e.g. `{video: {width: 1280, height: 720}}`. */
  mediaConstraints?: JSONObject;
  /**
   * The microphone too (default false): the browser asks for it and sends it as Opus; `audio$`
   * emits its AudioFrames, `transformAudio` maps them, and the result plays in the widget (with a
   * mute toggle). Audio and video stay in sync (docs/design.md, "Audio").
   */
  audio?: boolean;
  /**
   * Caps on both directions of the stream (size, frame rate, bitrate, what to give up under load),
   * e.g. `{ maxWidth: 640, maxFps: 15 }`; unset fields follow the site setting. Change them while
   * streaming with `setQuality()`.
   */
  quality?: QualityOptions;
  /** Extra host addresses for ICE; loopback is always included (JupyterLab on this machine). */
  hostAddresses?: string[];
  /**
   * Which of this machine's interface addresses are offered to the browser besides loopback:
   * interface names and CIDR ranges (e.g. ['eth0', '10.0.0.0/8']), or 'loopback' for none. Default:
   * the JUPYTERLAB_WEBRTC_HOST_INTERFACES environment variable (same syntax, comma-separated), else
   * every interface, so a browser on another machine (JupyterHub, a LAN server) can connect.
   */
  hostInterfaces?: string | string[];
  /**
   * The stream stops (status 'stopped') once the browser has sent nothing for this long, in ms
   * (over the kernel transport: no `media` message); default 4000 (MediaPeer's LIVENESS_TIMEOUT_MS).
   */
  livenessTimeoutMs?: number;
  /**
   * Which way video goes: 'sendrecv' (default) the camera to the kernel and the transform's frames
   * back; 'sendonly' the camera to the kernel only (read `frames$`; no transform and no encoder
   * run, the widget shows no output); 'recvonly' the kernel to the browser only (no camera: frames come from
   * `source`). Changing it on a running stream stops it (press Start again).
   */
  mode?: StreamMode;
  /**
   * Frames to send instead of the camera's: any Observable of frames, e.g.
   * `interval(33).pipe(map(drawClock))`, another stream's `frames$`, or a media file. Required in
   * 'recvonly'; in 'sendrecv' the transform gets the source's frames while `frames$` still gives
   * the camera's (mix them in the transform). Subscribed while the stream plays.
   */
  source?: FrameSource | null;
  /**
   * How media travels: 'webrtc' (UDP), 'kernel' (encoded frames over Jupyter's own connection, for
   * when UDP cannot pass), 'auto' (WebRTC, falling back to the kernel transport when ICE has not
   * connected within 5 s). Default: the browser's site setting (itself 'auto' by default).
   */
  transport?: Transport;
  /**
   * The widget's own texts in place of the translated defaults, e.g. `{ start: 'Go', stop: 'Halt' }`:
   * keys from LABEL_KEYS (start, stop, camera, microphone, record, stopRecording, mute, unmute,
   * inputCaption, outputCaption, idle), each a non-blank string of at most 80 characters.
   */
  labels?: StreamerLabels;
  /** Flip the local preview horizontally, as a mirror (default false); the frames sent are not flipped. */
  mirror?: boolean;
  /** Show the input pane, the camera's preview (default true); false hides it, the camera is still sent. */
  showInput?: boolean;
  /**
   * The displayed size of the videos: `{ width: 480 }` (pixels) or CSS lengths (`{ width: '50%' }`);
   * an absent side follows the other with the frame's aspect ratio. Default: the frames' own size.
   */
  size?: { width?: number | string; height?: number | string };
}

const MAX_EARLY_CANDIDATES = 64;

/**
 * Most signalling messages waiting their turn. A browser trickles a few dozen candidates per
 * session; each one is a round trip to the worker, so an unbounded queue let 20,000 candidates hold
 * a Stop back for 140 s. Beyond this the browser is told once, and further candidates are dropped.
 */
export const MAX_QUEUED_SIGNALLING = 256;

/** Why a stream stops when its browser fell silent (the same words as the worker's over WebRTC). */
const BROWSER_WENT_AWAY = 'the browser went away';

/** Files being recorded by any stream of this kernel: two recordings must not write one file. */
const recordingPaths = new Set<string>();
let nextRecordingId = 1;

const STATUS_OF: Record<PeerState, KernelStatus> = {
  new: 'connecting',
  connecting: 'connecting',
  connected: 'playing',
  failed: 'error',
  closed: 'stopped',
};

export class WebRtcStreamer extends Widget<StreamerState> {
  private peer: MediaPeer | null = null;
  /** The current session's kernel transport (null over WebRTC). */
  private kernelLink: KernelTransportLink | null = null;
  /**
   * The kernel transport's dead-browser check: no ICE there, so a page closed without a word is
   * noticed by its silence on the comm (no frames, no acks), as the worker notices it over WebRTC.
   */
  private kernelLiveness: Liveness | null = null;
  private peerSubscriptions = new Subscription();
  private readonly pipeline: TransformPipeline;
  private readonly audioPipeline: TransformPipeline<AudioFrame>;
  /** Which pipeline set `transform_error` last (the other one recovering must not clear it). */
  private transformErrorOf: TransformKind | null = null;
  private reportToNotebook: (message: string) => void = () => undefined;
  private lastReported = '';
  /** The widget's log area: what the transform prints and its errors, which cells drop once finished. */
  private readonly connectionReports = new ConnectionReports();
  private readonly streamerLog = new StreamerLog((lines) => !this.isClosed && this.set({ log: lines }));
  private lastLogged = '';
  private readonly stopOnShutdown: Unsubscribe;
  private hostAddresses: string[];
  private livenessTimeoutMs: number | undefined;
  /**
   * Signalling waiting its turn, handled in arrival order (candidates trickle in while the offer is
   * answered), except that a Stop or a new offer goes first: the candidates queued before it belong
   * to the session it ends. Bounded by MAX_QUEUED_SIGNALLING.
   */
  private queue: FrontendMessage[] = [];
  private draining = false;
  /** The browser was told that its candidates overflowed the queue (once per session). */
  private overflowTold = false;
  /** The last media error told to the browser (a failing codec repeats it every frame). */
  private lastMediaError = '';
  /** Candidates that came before their offer (a browser may trickle them first), bounded. */
  private earlyCandidates: (CandidateInit | null)[] = [];
  private ending = false;
  /** The transform's counts when the current session started (the stats count from there). */
  private transformBase: TransformCounts = { transformed: 0, transform_errors: 0 };
  private lastTransformCounts: TransformCounts | null = null;
  private audioTransformBase: TransformCounts = { transformed: 0, transform_errors: 0 };
  private lastAudioTransformCounts: TransformCounts | null = null;
  /** Takes each pipeline's transform out of the scope of the cell that set it (see setTransformOf()). */
  private readonly unscopeTransform: Record<TransformKind, Unsubscribe> = {
    video: () => undefined,
    audio: () => undefined,
  };
  /** The browser's site setting for quality (`site_quality`), which the widget's fields override. */
  private siteQuality: IQuality | null = null;
  /** status$ and start() (control.ts). */
  private readonly control: StreamControl;
  /** The latest input and output frames, for snapshot(). */
  private readonly snapshots = new FrameSnapshots();
  /** The last fatal error told to the browser: the reason of an 'error' status. */
  private lastFatal = '';
  /**
   * The version mismatch the browser's `hello` revealed ("" = none, or no hello: every released
   * extension sends one; harnesses that talk to the kernel directly do not, and are served).
   */
  private versionProblem = '';
  /** The `mode` trait, kept at hand: the send path reads it for every frame. */
  private mode: StreamMode;
  private readonly source: SourceFeed;
  /** Where a source's problems are printed: under the cell that set the source (see transform()). */
  private reportSourceProblem: (message: string) => void = () => undefined;
  /** VP8 encoders the kernel opened in the current session (from the worker's stats). */
  private encoderOpenCount = 0;
  /** Recordings running in the current peer's worker, by id. */
  private readonly recordings = new Map<number, Recording>();
  /** The files of the last finished recording, shown by the widget until the next one starts. */
  private lastRecordedFiles: string[] = [];
  /** annotate(): the results side channel (annotations.ts). */
  private readonly annotationChannel: AnnotationChannel;
  /** Takes annotate()'s function out of the scope of the cell that set it (as unscopeTransform). */
  private unscopeAnnotate: Unsubscribe = () => undefined;
  /** Where annotation problems are printed: under the cell that called annotate(). */
  private reportAnnotationProblem: (message: string) => void = () => undefined;
  /**
   * The last annotation problem told in the widget and under the cell (once until annotate() is
   * called again), and logged (once until a valid result came), as transform errors are.
   */
  private lastAnnotationReported = '';
  private lastAnnotationLogged = '';

  constructor(options: StreamerOptions) {
    super(streamerTraits(), toState(options));
    this.mode = this.get('mode');
    this.hostAddresses = hostAddressesOf(options);
    const api = getKernelApi();
    const toLog = (name: 'stdout' | 'stderr', text: string) => this.streamerLog.write(name, text);
    this.livenessTimeoutMs = options.livenessTimeoutMs;
    this.pipeline = new TransformPipeline({
      // sendonly: the browser receives nothing, so the transform's frames go nowhere (never encoded).
      output: (frame) => {
        if (this.mode === 'sendonly' || !this.peer) return;
        this.snapshots.record('output', frame);
        this.peer.send(frame);
      },
      error: (error) => this.onTransformError(error, 'video'),
      recovered: () => this.onTransformRecovered('video'),
      run: (fn) => api.captureOutput(toLog, fn),
    });
    this.audioPipeline = new TransformPipeline<AudioFrame>(
      {
        // sendonly: nothing goes back, audio included.
        output: (frame) => this.mode !== 'sendonly' && this.peer?.sendAudio(frame),
        error: (error) => this.onTransformError(error, 'audio'),
        recovered: () => this.onTransformRecovered('audio'),
        run: (fn) => api.captureOutput(toLog, fn),
      },
      audioOutputCheck,
      false,
    );
    this.source = new SourceFeed({
      frame: (frame) => {
        this.snapshots.record('input', frame);
        this.pipeline.pushSource(frame);
        this.annotationChannel.push(frame);
      },
      audio: (frame) => this.audioPipeline.pushSource(frame),
      wantsAudio: () => this.get('audio'),
      problem: (message) => this.onSourceProblem(message),
      run: (fn) => api.captureOutput(toLog, fn),
    });
    this.annotationChannel = new AnnotationChannel({
      send: (annotations) => this.sendAnnotations(annotations),
      problem: (message) => this.onAnnotationProblem(message),
      recovered: () => (this.lastAnnotationLogged = ''),
      run: (fn) => api.captureOutput(toLog, fn),
    });
    this.setSourceNow(options.source ?? null);
    this.custom$.subscribe({
      next: ({ content, buffers }) => this.receive(content, buffers),
      complete: () => void this.end('the widget was closed'),
    });
    this.stopOnShutdown = getKernelApi().onShutdown(() => this.end('the kernel shut down'));
    this.control = new StreamControl(this.observe('kernel_status'), this.get('kernel_status'), () =>
      this.tell({ type: 'start' }),
    );
    // Changed from the notebook or the browser: applied to the running peer at once.
    this.observe('quality').subscribe(() => this.applyQuality());
    retainSpare(this);
    prepareSpare(this, this.peerOptions(this.get('ice_servers') ?? []));
  }

  /**
   * The browser's camera frames, before the transform (never emits in 'recvonly'). With a source,
   * the transform gets the source's frames and these still come here.
   */
  get frames$(): Observable<Frame> {
    return this.pipeline.frames$;
  }

  /**
   * How many VP8 encoders the kernel opened for the current (or last) session, from the media
   * worker's once-a-second stats: 0 in 'sendonly', where nothing is ever encoded.
   */
  get encoderOpens(): number {
    return this.encoderOpenCount;
  }

  /** True while the stream's source is subscribed (while it plays). */
  get sourceSubscribed(): boolean {
    return this.source.subscribed;
  }

  /**
   * Replaces the stream's source (null: back to the camera); a playing stream switches at once,
   * without renegotiating. A 'recvonly' stream needs one.
   */
  setSource(source: FrameSource | null): this {
    const checked = checkSource(source, 'setSource()');
    if (checked === null && this.mode === 'recvonly') {
      throw new TypeError('a recvonly stream needs a source: setSource(frames$) with an Observable of frames');
    }
    if (checked !== null && this.mode === 'sendonly') {
      throw new TypeError(
        "a sendonly stream sends nothing back, so it takes no source (use mode 'sendrecv' or 'recvonly')",
      );
    }
    this.setSourceNow(checked);
    return this;
  }

  private setSourceNow(source: FrameSource | null): void {
    // Its problems are printed under the cell that set it, whenever they happen.
    if (source !== this.source.current) {
      this.reportSourceProblem = AsyncResource.bind((message: string) => console.error(message));
    }
    this.source.set(source);
  }

  /**
   * The stream's state on both sides, each change as `{state, reason, side}`: the latest first.
   * `side: 'kernel'` follows the kernel's peer (`kernel_status`), `side: 'browser'` the browser's
   * session, with its failures and their reasons (camera denied, no camera, ICE failed, no answer).
   */
  get status$(): Observable<StreamStatus> {
    return this.control.status$;
  }

  /**
   * Starts streaming from code: the browser starts a session as its Start button does (camera
   * permission prompt included). Resolves once playing (at once if it is); rejects with the
   * browser's reason when it cannot start (camera denied, no view of the widget shown...), or after
   * `timeoutMs` (default 60 s) without an outcome.
   */
  start(options?: StartOptions): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error('start(): the widget is closed'));
    return this.control.start(this.get('kernel_status') === 'playing', options);
  }

  /**
   * The connection doctor's report from the browser: which candidate types each side gathered
   * (host/srflx/relay), whether any connectivity check succeeded, what the TURN servers answered,
   * and in `summary`/`advice` what happened and what to configure. Asks the browser for a fresh
   * one; without an answer within `timeoutMs` (default 5 s) the latest it sent (after a failure or
   * once connected), or a rejection when it never sent one.
   */
  diagnose(timeoutMs?: number): Promise<ConnectionReport> {
    if (this.isClosed) return Promise.reject(new Error('diagnose(): the widget is closed'));
    return this.connectionReports.next(() => this.tell({ type: 'diagnose' }), timeoutMs);
  }

  /**
   * Chooses the browser's camera from code, as the widget's picker does: a playing stream switches
   * at once (replaceTrack, same session), and the choice is remembered for the next start. `null` =
   * the default camera. Ids are the browser's (`navigator.mediaDevices.enumerateDevices()`); one it
   * cannot open leaves the stream as it was, with a notice in the widget.
   */
  selectCamera(deviceId: string | null): this {
    if (deviceId !== null && (typeof deviceId !== 'string' || deviceId === '' || deviceId.length > MAX_TEXT_LENGTH)) {
      throw new TypeError('selectCamera needs a camera deviceId (a non-empty string) or null for the default camera');
    }
    this.tell({ type: 'select_camera', device_id: deviceId });
    return this;
  }

  /**
   * The stream's latest frame, as a copy of its own (it displays as a picture): `{which: 'input'}`
   * (default) what the transform got (the browser's camera, or the source when the stream has one),
   * `{which: 'output'}` what it made of it. Rejects when
   * nothing is playing; while a session has no frame yet, waits for its first (up to 5 s).
   */
  snapshot(options?: SnapshotOptions): Promise<Frame> {
    const status = this.get('kernel_status');
    return this.snapshots.take(options, this.peer !== null && status !== 'error', status);
  }

  /**
   * Incoming microphone audio (with `audio: true`), before transformAudio: AudioFrames of 20 ms,
   * 48 kHz, mono, float32, timestamps on the video frames' clock.
   */
  get audio$(): Observable<AudioFrame> {
    return this.audioPipeline.frames$;
  }

  /**
   * Sets (or swaps) what is done to each frame: `(frames$) => frames$.pipe(map(...))`. Takes
   * effect on the next frame; the connection is not renegotiated. Its input is the camera, or the
   * `source` when there is one; a 'sendonly' stream does not run it (nothing goes back).
   */
  transform(transform: Transform): this {
    if (this.mode === 'sendonly') {
      this.streamerLog.add('sendonly: the transform is not run (nothing goes back to the browser); read frames$');
    }
    return this.setTransformOf('video', this.pipeline, transform);
  }

  /**
   * Sets (or swaps) what makes the stream's annotations, drawn by the widget over the video they
   * belong to (no re-encode): `streamer.annotate(frames$ => frames$.pipe(map(frame => ({timestamp:
   * frame.timestamp, width: frame.width, height: frame.height, items: [{kind: 'box', ...}]}))))`,
   * or any Observable of FrameAnnotations. `frames$` gives the frames the shown video is made of:
   * the camera's, or the `source`'s when there is one (recvonly). Each result is checked
   * (annotations/validate.ts: bounded counts and sizes); a malformed one is reported in the widget
   * and under this cell and skipped, the stream goes on. Like transform(), it belongs to the cell
   * that set it (a re-run swaps it; a re-run without it removes it); null removes it now.
   */
  annotate(annotator: Annotator | null): this {
    this.lastAnnotationReported = '';
    this.lastAnnotationLogged = '';
    this.reportAnnotationProblem = AsyncResource.bind((message: string) => console.error(message));
    this.annotationChannel.set(annotator);
    this.unscopeAnnotate();
    const scope = annotator !== null ? getKernelApi().currentScope() : null;
    this.unscopeAnnotate = scope
      ? scope.add(() => {
          this.unscopeAnnotate = () => undefined;
          if (!this.isClosed) this.annotationChannel.set(null);
        })
      : () => undefined;
    return this;
  }

  /**
   * The annotate() results that passed the checks, as they come (hot): feed a Label or a table
   * with them, e.g. `annotations$.pipe(map(a => a.items.map(i => i.label).join(', ')))`.
   */
  get annotations$(): Observable<FrameAnnotations> {
    return this.annotationChannel.annotations$;
  }

  /**
   * Sets (or swaps) what is done to the audio: `(audio$) => audio$.pipe(map(...))`, AudioFrames in
   * and out (48 kHz, 1 or 2 channels; any length, the kernel cuts 20 ms Opus frames). Like
   * transform(): pass-through by default, an error passes the frame through and is reported, and it
   * belongs to the cell that set it.
   */
  transformAudio(transform: AudioTransform): this {
    return this.setTransformOf('audio', this.audioPipeline, transform);
  }

  /** transform() and transformAudio(): sets the transform of the pipeline of kind `of`. */
  private setTransformOf<T>(
    of: TransformKind,
    pipeline: TransformPipeline<T>,
    transform: (input$: Observable<T>) => Observable<T>,
  ): this {
    // Errors are printed under the cell that set the transform, whenever they happen.
    this.reportToNotebook = AsyncResource.bind((message: string) => console.error(message));
    this.lastReported = '';
    this.lastLogged = '';
    this.clearTransformError(of);
    pipeline.setTransform(transform);
    // Belongs to the cell that set it: when that cell runs again without setting one, frames pass
    // through unchanged. One registration at a time, so a cell setting transforms in a loop does
    // not grow its scope; a transform set by another cell since then is left alone.
    this.unscopeTransform[of]();
    const scope = getKernelApi().currentScope();
    this.unscopeTransform[of] = scope ? scope.add(() => this.resetTransformOf(of, pipeline)) : () => undefined;
    return this;
  }

  /** Back to pass-through, without joining any scope (it runs while one is being disposed). */
  private resetTransformOf<T>(of: TransformKind, pipeline: TransformPipeline<T>): void {
    this.unscopeTransform[of] = () => undefined;
    if (this.isClosed) return;
    this.clearTransformError(of);
    pipeline.setTransform((input$) => input$);
  }

  /**
   * A new (or reset) video transform clears the error shown, whichever pipeline's it is, as before
   * there was audio; an audio one clears only an audio error, never the video's.
   */
  private clearTransformError(of: TransformKind): void {
    if (of === 'video' || this.transformErrorOf === 'audio') this.set({ transform_error: '' });
  }

  /**
   * Audio into the stream as if the microphone had sent it (on audio$, then through transformAudio
   * to the Opus encoder; 48 kHz): for code that brings audio of its own. A source's `audio$` needs
   * no call: the stream subscribes it (source.ts).
   */
  feedAudio(frame: AudioFrame): void {
    this.audioPipeline.push(frame);
  }

  /**
   * Changes the quality controls while streaming (or before): `{ maxWidth, maxHeight, maxFps,
   * bitrateKbps, degradation }`, unset fields following the site setting; null = all of them.
   * Both senders apply them from their next frame, without renegotiating. Throws on a value out
   * of range (nothing changes then).
   */
  setQuality(quality: QualityOptions | null): this {
    this.set({ quality: qualityState(quality) });
    return this;
  }

  /** Applies options from a re-run cell to the existing stream. */
  update(options: StreamerOptions): this {
    const { key: _key, ...rest } = toState(options);
    const modeChanged = rest.mode !== this.mode;
    this.set(rest);
    this.mode = rest.mode;
    this.hostAddresses = hostAddressesOf(options);
    this.livenessTimeoutMs = options.livenessTimeoutMs;
    // The running session was negotiated for the other mode: end it (Start negotiates the new one).
    if (modeChanged) void this.release(`the mode changed to ${rest.mode}: press Start`);
    this.setSourceNow(options.source ?? null);
    return this;
  }

  /**
   * Records the stream's input (what the browser sends) and/or output (what goes back) while it
   * plays: `{ input: "in.webm", output: "out.mp4" }`, paths relative to the notebook's folder.
   * `.webm` keeps the VP8 frames as they are; `.mp4` encodes H.264. `await rec.stop()` finalises
   * the files (so does stopping the stream, closing the widget or shutting the kernel down).
   * Throws at once on a bad path (unknown extension, missing folder, no permission, an existing
   * file without `overwrite: true`) or when nothing is streaming.
   */
  record(options: RecordOptions): Recording {
    // a direction the mode does not carry would give an empty file, silently dropped at the end
    if (options?.output !== undefined && this.mode === 'sendonly') {
      throw new Error('record(): a sendonly stream sends nothing back: record its input only');
    }
    if (options?.input !== undefined && this.mode === 'recvonly') {
      throw new Error('record(): a recvonly stream receives nothing from the browser: record its output only');
    }
    const peer = this.peer;
    if (!peer || this.isClosed || this.ending) {
      throw new Error('record(): nothing is streaming: press Start in the widget first');
    }
    const targets = recordTargets(options, process.cwd(), recordingPaths, this.recordsAudio());
    // failures are printed under the cell that started the recording, whenever they happen
    const underCell = AsyncResource.bind((message: string) => console.error(message));
    return this.startRecording(peer, targets, underCell);
  }

  /** Stops streaming (the browser keeps the widget; Start begins a new session). */
  async stop(): Promise<void> {
    await this.release('stopped from the notebook');
  }

  override close(): void {
    this.source.stop();
    // The transforms' own subscriptions (a slider's value$, another stream's frames$) end with the
    // widget, and frames$ / audio$ complete for whoever subscribed.
    this.pipeline.close();
    this.audioPipeline.close();
    this.annotationChannel.close();
    this.unscopeAnnotate();
    this.stopOnShutdown();
    this.control.close();
    this.connectionReports.close();
    this.streamerLog.dispose();
    super.close();
  }

  /** Validates a message from the browser and queues it (see `queue`). */
  private receive(content: JSONValue, buffers: readonly Uint8Array[] = []): void {
    if (isMediaMessage(content)) {
      // media, not signalling: handled at once (a late one of an ended session is dropped)
      this.kernelLiveness?.heard();
      this.kernelLink?.receive(buffers);
      return;
    }
    let message: FrontendMessage;
    try {
      message = parseFrontendMessage(content);
    } catch (error) {
      // A ProtocolError: its message says what is wrong with the browser's message.
      this.reportError(errorMessage(error), false);
      return;
    }
    if (message.type === 'site_quality') {
      // A setting, not signalling: applied at once, whatever session it arrives in.
      this.siteQuality = message.quality;
      this.applyQuality();
      return;
    }
    if (message.type === 'browser_status') {
      this.control.browser(message.state, message.detail); // a report, not signalling
      return;
    }
    if (message.type === 'connection_report') {
      this.connectionReports.arrived(message.report); // for diagnose(), not signalling
      return;
    }
    if (message.type === 'hello') {
      this.onHello(message.protocol_version, message.extension_version); // the handshake, not signalling
      return;
    }
    if (message.type === 'stop') {
      this.queue = [message];
      this.overflowTold = false;
    } else if (message.type === 'offer' || message.type === 'use_kernel_transport') {
      this.queue = [...this.queue.filter((queued) => queued.type === 'stop'), message];
      this.overflowTold = false;
    } else if (this.queue.length < MAX_QUEUED_SIGNALLING) {
      this.queue.push(message);
    } else {
      if (!this.overflowTold) {
        this.overflowTold = true;
        this.reportError(
          `more than ${MAX_QUEUED_SIGNALLING} signalling messages waiting: further ICE candidates are dropped`,
          false,
        );
      }
      return;
    }
    void this.drain();
  }

  /** Handles the queue one message at a time; a message that fails is reported, the next one still runs. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let message = this.queue.shift(); message; message = this.queue.shift()) {
        try {
          await this.handle(message);
        } catch (error) {
          this.reportError(`could not handle the browser's ${message.type}: ${errorSummary(error)}`, false);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async handle(message: FrontendMessage): Promise<void> {
    switch (message.type) {
      case 'offer':
        if (this.refuseMismatchedBrowser()) return;
        await this.answer(message.sdp, this.get('ice_servers') ?? message.ice_servers);
        return;
      case 'use_kernel_transport':
        if (this.refuseMismatchedBrowser()) return;
        if (this.get('transport') === 'webrtc') {
          // the notebook asked for WebRTC only: a browser that falls back anyway (an old one, a site setting) is told why not
          await this.release(null);
          this.log(`kernel transport asked for: ${message.reason}`);
          this.reportError(
            'the kernel transport is refused: this stream\'s transport is "webrtc" (webrtcStreamer({ transport })); use "auto" or "kernel" to allow it',
            true,
          );
          this.setStatus('error', this.lastFatal);
          return;
        }
        await this.startKernelTransport(message.reason);
        return;
      case 'media':
        return; // handled on arrival (receive)
      case 'candidate':
        if (this.kernelLink) return; // the WebRTC attempt this candidate belonged to was given up
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
        return;
      case 'site_quality':
      case 'browser_status':
      case 'hello':
        return; // handled on arrival (receive)
      case 'record':
        this.onRecordButton(message.action);
        return;
    }
  }

  /**
   * The browser's versions (its `hello`, once per model): a protocol other than ours is written to
   * the widget's log (under the cell) and the kernel's log, and every start is refused with it.
   */
  private onHello(protocol: number, version: string): void {
    const kernel = { protocol: STREAMER_PROTOCOL_VERSION, version: this.get('kernel_version') };
    this.versionProblem = versionMismatch(kernel, { protocol, version });
    if (!this.versionProblem) return;
    this.log(this.versionProblem);
    this.streamerLog.add(this.versionProblem);
  }

  /** True (and the browser told why, fatally) when the browser's protocol is not ours. */
  private refuseMismatchedBrowser(): boolean {
    if (!this.versionProblem) return false;
    this.reportError(this.versionProblem, true);
    this.setStatus('error', this.lastFatal);
    return true;
  }

  /** The widget's record button: start input + output under default names, or stop every recording. */
  private onRecordButton(action: 'start' | 'stop'): void {
    if (action === 'stop') {
      for (const rec of this.recordings.values()) void rec.stop();
      return;
    }
    const peer = this.peer;
    if (!peer) {
      this.reportError('cannot record: nothing is streaming', false);
      return;
    }
    if (this.recordings.size) return; // the button shows one recording at a time
    let targets: RecordTarget[];
    try {
      // only the directions the mode carries (sendonly: input, recvonly: output)
      const { input, output } = defaultRecordNames(this.get('key'), new Date());
      targets = recordTargets(
        {
          ...(this.mode !== 'recvonly' ? { input } : {}),
          ...(this.mode !== 'sendonly' ? { output } : {}),
        },
        process.cwd(),
        recordingPaths,
        this.recordsAudio(),
      );
    } catch (error) {
      this.reportError(errorMessage(error), false);
      return;
    }
    this.startRecording(peer, targets, () => undefined);
  }

  /** Recordings take the stream's audio when it has some (the worker's AudioPath feeds the Recorders). */
  private recordsAudio(): boolean {
    return this.get('audio');
  }

  private startRecording(peer: MediaPeer, targets: RecordTarget[], reportUnderCell: (m: string) => void): Recording {
    const rec = new Recording(nextRecordingId++, targets, (r) => this.peer?.stopRecording(r.id));
    this.recordings.set(rec.id, rec);
    for (const t of targets) recordingPaths.add(t.path);
    this.syncRecording();
    rec.done.catch((error: Error) => {
      const message = `recording failed: ${error.message}`;
      reportUnderCell(message);
      this.reportError(message, false);
    });
    peer.startRecording(rec.id, targets).catch((error) => this.finishRecording(rec.id, [], errorSummary(error)));
    return rec;
  }

  /** The worker finalised recording `id` (or it never started): settle it and show its files. */
  private finishRecording(id: number, files: RecordedFile[], error: string): void {
    const rec = this.recordings.get(id);
    if (!rec) return;
    this.recordings.delete(id);
    for (const t of rec.targets) recordingPaths.delete(t.path);
    const cwd = process.cwd();
    const shown = files.map((f) => ({ ...f, path: shownPath(f.path, cwd) }));
    this.lastRecordedFiles = shown.map((f) => f.path);
    rec.finish(shown, error);
    this.syncRecording();
  }

  /** The `recording` trait: the files being written, else the last recording's (within the protocol's limits). */
  private syncRecording(): void {
    if (this.isClosed) return;
    const cwd = process.cwd();
    const active = this.recordings.size > 0;
    const files = active
      ? [...this.recordings.values()].flatMap((r) => r.targets.map((t) => shownPath(t.path, cwd)))
      : this.lastRecordedFiles;
    this.set({
      recording: {
        active,
        files: files.slice(0, MAX_RECORDING_FILES).map((f) => f.slice(0, MAX_RECORDING_PATH_LENGTH)),
      },
    });
  }

  /** The widget's quality over the site setting, as caps on the kernel's encoder (running peer only). */
  private applyQuality(): void {
    const peer = this.peer;
    if (!peer) return;
    try {
      peer.setCaps(encoderCapsOf(effectiveQuality(this.get('quality'), this.siteQuality)));
    } catch (error) {
      this.reportError(`could not apply the quality controls: ${errorSummary(error)}`, false);
    }
  }

  private async answer(sdp: string, iceServers: IceServerLike[]): Promise<void> {
    const offered = videoDirectionOf(sdp);
    if (offered !== null && offered !== this.mode) {
      // A page with a widget of an older run, or a frontend of another version: say so, answer nothing.
      await this.release(null);
      this.reportError(
        `the browser offered ${offered} video, but this stream's mode is ${this.mode} (re-run the cell or reload the page)`,
        true,
      );
      if (!this.isClosed && !this.ending) this.setStatus('error', this.lastFatal);
      return;
    }
    const peer = await this.newSessionPeer(iceServers);
    if (!peer) return;
    this.adopt(peer);
    try {
      const answer = await peer.answer(sdp);
      if (this.peer === peer) this.tell({ type: 'answer', sdp: answer });
      for (const candidate of this.earlyCandidates.splice(0)) await this.addCandidate(peer, candidate);
    } catch (error) {
      this.reportError(`could not answer the offer: ${errorSummary(error)}`, true);
      await this.release(null, 'error');
    }
  }

  /**
   * A kernel-transport session (kernel-transport.ts): a media worker as for WebRTC, but no ICE: its
   * VP8 frames come and go on the comm. Playing at once; `reason` (why not WebRTC) goes to the log.
   */
  private async startKernelTransport(reason: string): Promise<void> {
    this.earlyCandidates = [];
    const peer = await this.newSessionPeer(this.get('ice_servers') ?? []);
    if (!peer) return;
    peer.useChunks();
    // audio both ways where WebRTC would carry it: the microphone unless recvonly, ours unless sendonly
    const audio = {
      in: this.get('audio') && this.mode !== 'recvonly',
      out: this.get('audio') && this.mode !== 'sendonly',
    };
    if (audio.out) peer.useAudioChunks();
    this.kernelLink = new KernelTransportLink(
      peer,
      (buffer) => !this.isClosed && this.send({ type: 'media' }, [buffer]),
      (problem) => this.onMediaError(new Error(problem)),
      audio,
      this.mode !== 'sendonly',
    );
    this.adopt(peer);
    this.kernelLiveness = new Liveness(this.livenessTimeoutMs ?? LIVENESS_TIMEOUT_MS, () => {
      if (this.peer === peer) void this.release(BROWSER_WENT_AWAY);
    });
    this.kernelLiveness.start();
    this.log(`kernel transport: ${reason}`);
    this.tell({ type: 'kernel_transport_ready' });
    if (this.mode !== 'sendonly') this.source.start();
    this.setStatus('playing', 'kernel connection');
  }

  /**
   * Ends the current session and takes a media worker for the next one (either transport); null,
   * with the error reported, when none could be started or the stream closed meanwhile.
   */
  private async newSessionPeer(iceServers: IceServerLike[]): Promise<MediaPeer | null> {
    await this.release(null);
    this.setStatus('connecting');
    this.lastMediaError = '';
    let peer: MediaPeer;
    try {
      peer = await takePeer(this, this.peerOptions(iceServers));
    } catch (error) {
      this.reportError(`could not start the media worker: ${errorSummary(error)}`, true);
      if (!this.isClosed && !this.ending) this.setStatus('error', this.lastFatal);
      return null;
    }
    if (this.isClosed || this.ending) {
      await peer.close();
      return null;
    }
    return peer;
  }

  /** Makes `peer` the session's: its frames feed the pipelines, its stats and errors go to the browser. */
  private adopt(peer: MediaPeer): void {
    this.peer = peer;
    this.encoderOpenCount = 0;
    // not among peerSubscriptions: recordings are finalised while the peer closes, after those end
    peer.recordingsDone$.subscribe(({ rec, files, error }) => this.finishRecording(rec, files, error));
    this.transformBase = transformCountsOf(this.pipeline);
    this.lastTransformCounts = null;
    this.audioTransformBase = transformCountsOf(this.audioPipeline);
    this.lastAudioTransformCounts = null;
    this.applyQuality();
    const subscriptions = (this.peerSubscriptions = new Subscription());
    // The camera's frames always reach frames$ (and are the snapshot's input unless a source feeds
    // the transform), the transform only when they are what goes back: not in sendonly (nothing
    // goes back: no transform, no encoder), nor when a source feeds it. Audio likewise.
    subscriptions.add(
      peer.frames$.subscribe((frame) => {
        if (this.source.current === null) this.snapshots.record('input', frame);
        this.pipeline.push(frame, this.mode !== 'sendonly' && this.source.current === null);
        // annotated: the frames the shown video is made of (the source's when there is one)
        if (this.source.current === null) this.annotationChannel.push(frame);
      }),
    );
    subscriptions.add(
      peer.audio$.subscribe((frame) =>
        this.audioPipeline.push(frame, this.mode !== 'sendonly' && !this.source.hasAudio),
      ),
    );
    subscriptions.add(peer.localCandidates$.subscribe((candidate) => this.tell({ type: 'candidate', candidate })));
    subscriptions.add(peer.stats$.subscribe((stats) => this.tellStats(stats)));
    subscriptions.add(peer.errors$.subscribe((error) => this.onMediaError(error)));
    subscriptions.add(peer.state$.subscribe((state) => this.onPeerState(peer, state)));
  }

  private async addCandidate(peer: MediaPeer, candidate: CandidateInit | null): Promise<void> {
    await peer
      .addRemoteCandidate(candidate)
      .catch((error) =>
        this.tell({ type: 'error', message: `bad ICE candidate: ${errorSummary(error)}`, fatal: false }),
      );
  }

  private onPeerState(peer: MediaPeer, state: PeerState): void {
    if (this.peer !== peer) return;
    if (state === 'failed') {
      this.reportError('the connection to the browser failed', true);
      void this.release(null, 'error');
      return;
    }
    if (state === 'closed') {
      void this.release(peer.closeReason ?? 'the connection closed');
      return;
    }
    // The source plays from the moment the browser can see it (until the peer is released).
    if (state === 'connected' && this.mode !== 'sendonly') this.source.start();
    this.setStatus(STATUS_OF[state]);
  }

  /** Sets `kernel_status`, with the reason status$ gives for it. */
  private setStatus(status: KernelStatus, reason = ''): void {
    this.control.kernelReason = reason;
    this.set({ kernel_status: status });
  }

  /** Releases the peer (sockets, codecs, worker); says why to the browser unless `reason` is null. */
  private async release(reason: string | null, status: KernelStatus = 'stopped'): Promise<void> {
    const peer = this.peer;
    if (reason !== null) this.earlyCandidates = [];
    if (!peer) return;
    this.peer = null;
    this.kernelLink?.close();
    this.kernelLink = null;
    this.kernelLiveness?.stop();
    this.kernelLiveness = null;
    this.source.stop();
    this.peerSubscriptions.unsubscribe();
    this.snapshots.reset();
    this.annotationChannel.forgetLatest();
    await peer.close();
    if (this.isClosed || this.ending) return;
    this.setStatus(status, status === 'error' ? this.lastFatal : (reason ?? ''));
    if (reason !== null) this.tell({ type: 'stopped', reason });
    prepareSpare(this, this.peerOptions(this.get('ice_servers') ?? []));
  }

  /** The widget closed or the kernel shuts down: release everything, start nothing new. */
  private async end(reason: string): Promise<void> {
    if (!this.ending) {
      this.ending = true;
      this.queue = [];
      releaseSpare(this);
    }
    await this.release(reason);
  }

  /** The peer's settings; equal settings (as JSON) let a Start take one of the kernel's spare peers. */
  private peerOptions(iceServers: IceServerLike[]): MediaPeerOptions {
    return {
      iceServers,
      codec: this.get('codec'),
      hostAddresses: this.hostAddresses,
      ...(this.livenessTimeoutMs !== undefined ? { livenessTimeoutMs: this.livenessTimeoutMs } : {}),
    };
  }

  /**
   * An error about this stream: told to its widget (the browser shows it) and written to the kernel
   * log, never printed into a cell (that would be whichever cell ran last, unrelated to the stream).
   */
  private reportError(message: string, fatal: boolean): void {
    if (fatal) this.lastFatal = message;
    this.tell({ type: 'error', message, fatal });
    this.log(message);
  }

  /** Non-fatal media errors (a bad frame, a codec hiccup): each distinct one told once in a row. */
  private onMediaError(error: Error): void {
    const message = `media: ${error.message}`;
    this.log(message);
    if (message === this.lastMediaError) return;
    this.lastMediaError = message;
    this.tell({ type: 'error', message, fatal: false });
  }

  /**
   * An annotation for the widget, with the RTP timestamp its frame gets in the video going back
   * (the browser matches it to the frame it displays: src/streamer/overlay.ts). sendonly sends no
   * video, so no RTP timestamp: the browser draws it over the camera preview as it arrives.
   * The annotations keep the timestamp and size of the frame they describe (the camera's or the
   * source's); the browser scales them to the video shown, so a transform that scales its frames
   * is drawn right, one that crops cannot be (the crop is not known here).
   */
  private sendAnnotations(annotations: FrameAnnotations): void {
    const peer = this.peer;
    if (!peer) return;
    // drawn over the output frame made from the described one (a transform may retime it)
    const rtp =
      this.mode === 'sendonly' ? null : peer.rtpTimestampOf(this.pipeline.outputTimestampOf(annotations.timestamp));
    this.tell({ type: 'annotations', ...annotations, rtp });
  }

  /**
   * A malformed annotation or a failing annotate function: in the widget's log (once until a valid
   * result comes), and in the widget and under the cell that called annotate() (once per distinct
   * problem): a model failing on every third frame does not say so ten times a second.
   */
  private onAnnotationProblem(message: string): void {
    if (message !== this.lastAnnotationLogged) {
      this.lastAnnotationLogged = message;
      this.streamerLog.add(message);
    }
    if (message === this.lastAnnotationReported) return;
    this.lastAnnotationReported = message;
    this.log(message);
    this.tell({ type: 'error', message, fatal: false });
    this.reportAnnotationProblem(message);
  }

  /** A source problem (not a frame, an error, its end): in the widget, its log and under the cell that set it. */
  private onSourceProblem(message: string): void {
    this.log(message);
    this.streamerLog.add(message);
    this.tell({ type: 'error', message, fatal: false });
    this.reportSourceProblem(message);
  }

  private onTransformRecovered(of: 'video' | 'audio'): void {
    this.lastLogged = '';
    if (this.transformErrorOf !== of) return;
    this.transformErrorOf = null;
    this.set({ transform_error: '' });
  }

  private onTransformError(error: unknown, of: 'video' | 'audio'): void {
    const message = of === 'audio' ? `audio: ${errorSummary(error)}` : errorSummary(error);
    this.transformErrorOf = of;
    this.set({ transform_error: message });
    // Logged once until it recovers or changes: a transform failing on every frame adds one line.
    if (message !== this.lastLogged) {
      this.lastLogged = message;
      const frameCount = of === 'audio' ? this.audioPipeline.frameCount : this.pipeline.frameCount;
      this.streamerLog.add(`transform error: ${message}`, `${of === 'audio' ? 'audio frame' : 'frame'} ${frameCount}:`);
    }
    // Once per distinct error, not 30 times a second.
    if (message !== this.lastReported) {
      this.lastReported = message;
      this.reportToNotebook(
        `transform error: ${message}\n(frames pass through unchanged until the transform works again)`,
      );
    }
  }

  /** The peer's report with the transform's counts (read now: see MediaPeer.mediaStats on order). */
  private tellStats(stats: MediaStats): void {
    this.encoderOpenCount = stats.encoder_opens;
    const counts = transformCountsOf(this.pipeline, this.transformBase);
    const rates = perSecond(counts, this.lastTransformCounts, stats.interval_ms);
    this.lastTransformCounts = counts;
    const audioCounts = transformCountsOf(this.audioPipeline, this.audioTransformBase);
    const audioRates = perSecond(audioCounts, this.lastAudioTransformCounts, stats.interval_ms);
    this.lastAudioTransformCounts = audioCounts;
    const { total, fps } = stats;
    const round = (value: number) => Math.round(value * 100) / 100;
    // over the comm there is no RTCP: the link measures itself (link-meter.ts), and loses nothing
    const kernelLink = this.kernelLink;
    const link = kernelLink ? { ...kernelLink.meter.read(), loss_out: 0, lost_in: 0 } : stats;
    const linkCounts = kernelLink?.counts;
    this.tell({
      type: 'stats',
      fps_in: round(stats.fps_in),
      fps_out: round(stats.fps_out),
      dropped: stats.dropped,
      decode_ms: round(stats.decode_ms),
      encode_ms: round(stats.encode_ms),
      transform_ms: round(this.pipeline.transformMs),
      fps: withTransform(STATS_STAGES, fps, rates, round),
      total: withTransform(STATS_STAGES, total, counts, (value) => value),
      kbps_in: Math.round(link.kbps_in),
      kbps_out: Math.round(link.kbps_out),
      rtt_ms: link.rtt_ms === null ? null : round(link.rtt_ms),
      loss_out: round(link.loss_out),
      lost_in: link.lost_in,
      audio: {
        fps: withTransform(AUDIO_STATS_STAGES, stats.audio.fps, audioRates, round),
        total: withTransform(AUDIO_STATS_STAGES, stats.audio.total, audioCounts, (value) => value),
      },
      transport: kernelLink ? 'kernel' : 'webrtc',
      ...(linkCounts ? { link_dropped: linkCounts.dropped_out + linkCounts.oversized_out } : {}),
    });
  }

  private tell(message: KernelMessage): void {
    // The protocol's messages are JSON by construction (interfaces only lack the index signature).
    if (!this.isClosed) this.send(fitToLimits(message) as unknown as JSONObject);
  }
}

/** Notebook-facing option names → synced state. */
/** The two pipelines a stream has, each with its own transform. */
type TransformKind = 'video' | 'audio';

type TransformCounts = { transformed: number; transform_errors: number };

/** A pipeline's transform counts since `base` (a session's start; by default since the widget was made). */
function transformCountsOf(
  pipeline: { transformed: number; transformErrors: number },
  base: TransformCounts = { transformed: 0, transform_errors: 0 },
): TransformCounts {
  return {
    transformed: pipeline.transformed - base.transformed,
    transform_errors: pipeline.transformErrors - base.transform_errors,
  };
}

type OptionState = Pick<
  StreamerState,
  | 'key'
  | 'ice_servers'
  | 'codec'
  | 'show_stats'
  | 'media_constraints'
  | 'quality'
  | 'mode'
  | 'audio'
  | 'ice_transport_policy'
  | 'transport'
  | 'labels'
  | 'mirror'
  | 'show_input'
  | 'size'
>;

function toState(options: StreamerOptions): OptionState {
  if (!options || typeof options.key !== 'string' || options.key === '') {
    throw new TypeError('webrtcStreamer needs a non-empty string key, e.g. webrtcStreamer({ key: "edges" })');
  }
  const mode = options.mode ?? 'sendrecv';
  if (!(STREAM_MODES as readonly unknown[]).includes(mode)) {
    throw new TypeError(
      `webrtcStreamer: mode must be one of ${STREAM_MODES.map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(mode)}`,
    );
  }
  const source = checkSource(options.source, 'webrtcStreamer: source');
  if (mode === 'recvonly' && source === null) {
    throw new TypeError(
      'webrtcStreamer: recvonly needs a source (what the kernel sends), e.g. { mode: "recvonly", source: interval(33).pipe(map(drawClock)) }',
    );
  }
  if (mode === 'sendonly' && source !== null) {
    throw new TypeError(
      "webrtcStreamer: a sendonly stream sends nothing back, so it takes no source (use mode 'sendrecv' or 'recvonly')",
    );
  }
  return {
    key: options.key,
    ice_servers: options.iceServers ?? null,
    ice_transport_policy: iceTransportPolicyOf(options.iceTransportPolicy),
    codec: options.codec ?? 'VP8',
    show_stats: options.showStats ?? null,
    media_constraints: options.mediaConstraints ?? null,
    quality: qualityState(options.quality),
    mode,
    audio: options.audio ?? false,
    transport: transportOf(options.transport),
    labels: checked(parseLabels(options.labels)),
    mirror: checked(parseFlag(options.mirror, 'mirror', false)),
    show_input: checked(parseFlag(options.showInput, 'showInput', true)),
    size: checked(parseVideoSize(options.size)),
  };
}

/** A display option's value, or the TypeError the cell shows. */
function checked<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new TypeError(`webrtcStreamer: ${parsed.reason}`);
  return parsed.value;
}

function transportOf(transport: unknown): Transport | null {
  if (transport === undefined || transport === null) return null;
  if (!(TRANSPORTS as readonly unknown[]).includes(transport)) {
    throw new TypeError(
      `webrtcStreamer: transport must be one of ${TRANSPORTS.map((t) => `"${t}"`).join(', ')}, got ${JSON.stringify(transport)}`,
    );
  }
  return transport as Transport;
}

/** A kernel-transport `media` message (its JSON part is always exactly this). */
function isMediaMessage(content: JSONValue): boolean {
  return typeof content === 'object' && content !== null && !Array.isArray(content) && content.type === 'media';
}

/**
 * The peer's stage counts with the transform's in their place, in the protocol's stage order
 * (STATS_STAGES for video, AUDIO_STATS_STAGES for audio): one function for both, once a second.
 */
function withTransform<S extends string>(
  stages: readonly S[],
  peer: Partial<Record<S, number>>,
  transform: { transformed: number; transform_errors: number },
  fit: (value: number) => number,
): Record<S, number> {
  const counts = {} as Record<S, number>;
  for (const stage of stages) {
    const own = stage === 'transformed' || stage === 'transform_errors';
    counts[stage] = fit((own ? (transform as Record<string, number>)[stage] : peer[stage]) ?? 0);
  }
  return counts;
}

function iceTransportPolicyOf(policy: unknown): IceTransportPolicy | null {
  if (policy === undefined || policy === null) return null;
  if (!(ICE_TRANSPORT_POLICIES as readonly unknown[]).includes(policy)) {
    throw new TypeError(
      `webrtcStreamer: iceTransportPolicy must be one of ${ICE_TRANSPORT_POLICIES.map((p) => `"${p}"`).join(', ')}, got ${JSON.stringify(policy)}`,
    );
  }
  return policy as IceTransportPolicy;
}

/** Loopback, the allowed interface addresses and the extra ones (deploy/host-addresses.ts). */
function hostAddressesOf(options: StreamerOptions): string[] {
  const own = options.hostInterfaces;
  const restriction = own ?? process.env[HOST_INTERFACES_ENV];
  try {
    return chooseHostAddresses(networkInterfaces(), restriction, options.hostAddresses ?? []);
  } catch (error) {
    const where = own !== undefined ? 'webrtcStreamer: hostInterfaces' : HOST_INTERFACES_ENV;
    throw new TypeError(`${where}: ${(error as Error).message.replace(/^host interfaces: /, '')}`);
  }
}
