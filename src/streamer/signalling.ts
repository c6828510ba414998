/**
 * The signalling client: one streaming session at a time, from Start
 * (camera, peer connection, offer) through answer and trickle ICE to
 * playing, and back to stopped or error. The stream's mode decides the
 * transceiver: sendrecv and sendonly send the camera, recvonly opens no
 * camera at all (no getUserMedia, no permission prompt) and only receives. It knows nothing of the DOM or the
 * widget; the model (model.ts) owns one, wires it to the comm and relays its
 * signals to the views.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import type { Codec } from '../settings';
import { describeCameraError, stopStream } from './camera';
import { applyCodecPreference } from './codecs';
import { IKernelCodecs, KernelTransportLink } from './kernel-transport';
import {
  candidateToJSON,
  FrontendMessage,
  IceTransportPolicy,
  KernelMessage,
  MAX_ICE_SERVERS,
  IQuality,
  MAX_SDP_BYTES,
  NO_QUALITY,
  StreamMode,
  fitText,
  Transport,
  utf8Length,
} from './protocol';
import type { IConnectionReport } from './connection-report';
import { explainConnection, IceObserver, IIceErrorLike } from './doctor';
import { asSaid, ENGLISH, ISaid, say } from './said';
import { kernelTransportUnsupported, WebCodecsKernelCodecs } from './webcodecs';
import { WorkerKernelCodecs } from './worker-codecs';
import { IKernelAudioCodecs, KernelAudioLink } from './kernel-audio';
import { ILinkFigures, LinkMeter } from './link-meter';
import { MediaKeepalive } from './media-keepalive';
import { kernelAudioUnsupported, WebCodecsKernelAudio } from './webcodecs-audio';

/**
 * With transport 'auto', how long WebRTC may take to connect after the offer before the session
 * falls back to the kernel transport (ms). On loopback and LANs ICE connects in well under a
 * second; 5 s leaves room for a slow TURN allocation without leaving the user looking at nothing.
 */
export const FALLBACK_MS = 5000;
import type { IStatsReportLike } from './rtc-stats';
import { senderQuality, withSenderQuality } from './sender-quality';

/** The session's state; the first word of the status line. */
export type StreamState = 'idle' | 'connecting' | 'playing' | 'stopped' | 'error';

/** The part of RTCPeerConnection the client uses (tests pass a fake). */
export interface IPeerConnectionLike {
  readonly connectionState: RTCPeerConnectionState;
  /** For the fallback's reason (a fake may leave them out). */
  readonly iceConnectionState?: RTCIceConnectionState;
  readonly iceGatheringState?: RTCIceGatheringState;
  readonly localDescription: RTCSessionDescriptionInit | null;
  onicecandidate: ((event: { candidate: RTCIceCandidate | null }) => void) | null;
  ontrack: ((event: { track: MediaStreamTrack; streams: readonly MediaStream[] }) => void) | null;
  onconnectionstatechange: (() => void) | null;
  /** A STUN/TURN server failed (the connection doctor reports it); a fake may leave it out. */
  onicecandidateerror?: ((event: IIceErrorLike) => void) | null;
  addTransceiver(
    trackOrKind: MediaStreamTrack | 'video' | 'audio',
    init: RTCRtpTransceiverInit,
  ): { setCodecPreferences?: (codecs: RTCRtpCodec[]) => void; sender?: IRtpSenderLike };
  createOffer(): Promise<RTCSessionDescriptionInit>;
  setLocalDescription(description: RTCSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate?: RTCIceCandidateInit): Promise<void>;
  /** The connection's statistics (the overlay's browser figures); a fake may leave it out. */
  getStats?(): Promise<IStatsReportLike>;
  close(): void;
}

/** The part of RTCRtpSender the client uses: the quality caps, and replaceTrack to switch cameras and microphones. */
export interface IRtpSenderLike {
  getParameters(): RTCRtpSendParameters;
  setParameters(parameters: RTCRtpSendParameters): Promise<void>;
  replaceTrack?(track: MediaStreamTrack | null): Promise<void>;
}

/** A state change: the state word and the rest of the status line. */
export interface IStateChange {
  state: StreamState;
  detail: string;
}

export interface ISignallingOptions {
  /** Sends a custom message to the kernel (model.send). */
  send(message: FrontendMessage): void;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  createPeerConnection(config: RTCConfiguration): IPeerConnectionLike;
  /** RTCRtpReceiver.getCapabilities('video') or a fake. */
  getCodecCapabilities?: () => { codecs: RTCRtpCodec[] } | null | undefined;
  /** Builds a MediaStream from a lone track (ontrack without streams). */
  makeStream?: (track: MediaStreamTrack) => MediaStream;
  /** How long to wait for the kernel's answer; default 30 s. */
  answerTimeoutMs?: number;
  /** Sends one kernel-transport `media` buffer to the kernel (model.send with buffers). */
  sendMedia?(buffer: Uint8Array): void;
  /**
   * The kernel transport's codecs (default WebCodecs, in a worker when it can start); `bitrate` is
   * the quality cap, bit/s, or null; `onError` a notice; `onFatal` ends the session (the camera can
   * no longer be sent).
   */
  createKernelCodecs?: (
    bitrate: () => number | null,
    onError: (message: string) => void,
    onFatal: (message: string) => void,
  ) => IKernelCodecs;
  /** Why this browser cannot use the kernel transport (null: it can); default: WebCodecs present. */
  kernelTransportUnsupported?: () => string | null;
  /** The kernel transport's audio codecs (default WebCodecs, webcodecs-audio.ts). */
  createKernelAudioCodecs?: (onError: (message: string) => void) => IKernelAudioCodecs;
  /** Why this browser cannot carry audio over the kernel transport that way (null: it can). */
  kernelAudioUnsupported?: (direction: 'send' | 'receive') => string | null;
  /** transport 'auto': ms from the offer to the fallback; default FALLBACK_MS. */
  fallbackMs?: number;
  /**
   * The page's texts (the model's bundle): the notices and the status line's shown detail. What
   * goes to the kernel stays English. Default English.
   */
  trans?: TranslationBundle;
}

export interface IStartOptions {
  constraints: MediaStreamConstraints;
  iceServers: RTCIceServer[];
  /** 'relay': only TURN relay candidates (default 'all'). */
  iceTransportPolicy?: IceTransportPolicy;
  codec: Codec;
  /** Caps for the camera's sender (widget over site setting); changed later with setQuality(). */
  quality: IQuality;
  /** Which way video goes; default sendrecv. */
  mode?: StreamMode;
  /**
   * Audio too (the stream's `audio`; `constraints.audio` must ask for it unless recvonly): one audio
   * transceiver, Opus, in the mode's direction, like the video's.
   */
  audio?: boolean;
  /** How media travels (the widget's `transport` over the site setting); default 'webrtc'. */
  transport?: Transport;
}

interface ISession {
  id: number;
  stream: MediaStream | null;
  pc: IPeerConnectionLike | null;
  /** The camera track and its sender, which the quality caps apply to. */
  track: MediaStreamTrack | null;
  sender: IRtpSenderLike | null;
  /** The microphone's track and sender (null without audio, in recvonly, or when the browser gave none). */
  audioTrack: MediaStreamTrack | null;
  audioSender: IRtpSenderLike | null;
  offerSent: boolean;
  remoteDescriptionSet: boolean;
  answerReceived: boolean;
  /** Our candidates gathered before the offer went out. */
  outgoing: (RTCIceCandidateInit | null)[];
  /** The kernel's candidates received before its answer was applied. */
  incoming: (RTCIceCandidateInit | null)[];
  /** The kernel's stream (video, and audio when on): its tracks gathered in one MediaStream. */
  remote: MediaStream | null;
  answerTimer: ReturnType<typeof setTimeout> | null;
  /** The connection doctor's facts about this attempt. */
  doctor: IceObserver;
  /** Set once the doctor is writing the failure report (a second failure event changes nothing). */
  failing: boolean;
  mode: StreamMode;
  /** What was asked for (the options' transport) and what carries the media now. */
  requested: Transport;
  carrier: 'webrtc' | 'kernel';
  /** Why the kernel transport carries it (empty over WebRTC): English for the kernel, and shown. */
  kernelReason: ISaid;
  fallbackTimer: ReturnType<typeof setTimeout> | null;
  kernel: KernelTransportLink | null;
  /** The stream has audio (`audio: true`). */
  audio: boolean;
  /** Over the kernel transport: its audio (null without audio), its keepalive, the kernel's audio track once decoded. */
  kernelAudio: KernelAudioLink | null;
  keepalive: MediaKeepalive | null;
  kernelAudioTrack: MediaStreamTrack | null;
  /** Over the kernel transport: the link's bytes each way and ack round trip, for the stats overlay. */
  kernelMeter: LinkMeter | null;
}

function errorText(error: unknown): string {
  if (error instanceof Error || (typeof error === 'object' && error && 'message' in error)) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

/** describeCameraError's sentence about a microphone opened alone (a microphone switch). */
function describeMicrophoneError(error: unknown): string {
  return describeCameraError(error).replace(/camera/g, 'microphone');
}

export class SignallingClient {
  constructor(private readonly options: ISignallingOptions) {}

  /** Every state change (state word or detail). */
  get stateChanged(): ISignal<this, IStateChange> {
    return this._stateChanged;
  }

  /** The camera stream: set once the camera opened, null when released. */
  get localStreamChanged(): ISignal<this, MediaStream | null> {
    return this._localStreamChanged;
  }

  /** The kernel's processed stream: set on its track, null when the session ends. */
  get remoteStreamChanged(): ISignal<this, MediaStream | null> {
    return this._remoteStreamChanged;
  }

  /** A problem worth showing that does not end the session. */
  get notice(): ISignal<this, string> {
    return this._notice;
  }

  get state(): StreamState {
    return this._state;
  }

  get detail(): string {
    return this._detail;
  }

  /** The detail as shown: in the page's language where the browser composed it (`detail` stays English). */
  get shownDetail(): string {
    return this._shownDetail;
  }

  /** True while a session is connecting or playing. */
  get active(): boolean {
    return this._session !== null;
  }

  /** The status line: the state word, then the detail if any. */
  get statusText(): string {
    return this._detail ? `${this._state}: ${this._detail}` : this._state;
  }

  /**
   * Starts a session: camera first (so the offer carries host candidates),
   * then one video transceiver in the mode's direction (recvonly: no
   * camera, a receive-only transceiver), the offer, and trickle ICE.
   * Does nothing while a session is already active.
   */
  async start(options: IStartOptions): Promise<void> {
    if (this._session || this._disposed) {
      return;
    }
    if (options.iceServers.length > MAX_ICE_SERVERS) {
      // The kernel would reject the offer; say so now instead of waiting for the answer timeout.
      this._setState(
        'error',
        say(this._trans, (trans) =>
          trans.__(
            'too many ICE servers (%1; at most %2): check Settings → WebRTC streamer',
            options.iceServers.length,
            MAX_ICE_SERVERS,
          ),
        ),
      );
      return;
    }
    const session: ISession = {
      id: ++this._sessionCounter,
      stream: null,
      pc: null,
      track: null,
      sender: null,
      audioTrack: null,
      audioSender: null,
      offerSent: false,
      remoteDescriptionSet: false,
      answerReceived: false,
      outgoing: [],
      incoming: [],
      remote: null,
      answerTimer: null,
      doctor: new IceObserver(options.iceServers, options.iceTransportPolicy ?? 'all'),
      failing: false,
      mode: options.mode ?? 'sendrecv',
      requested: options.transport ?? 'webrtc',
      carrier: 'webrtc',
      kernelReason: asSaid(''),
      fallbackTimer: null,
      kernel: null,
      audio: options.audio ?? false,
      kernelAudio: null,
      keepalive: null,
      kernelAudioTrack: null,
      kernelMeter: null,
    };
    this._session = session;
    this._quality = options.quality;
    const mode = options.mode ?? 'sendrecv';

    // recvonly plays what the kernel sends: no camera is opened (nor asked for).
    let stream: MediaStream | null = null;
    if (mode !== 'recvonly') {
      this._setState('connecting', 'opening the camera');
      try {
        stream = await this.options.getUserMedia(options.constraints);
      } catch (error) {
        if (this._session === session) {
          this._session = null;
          const text = describeCameraError(error);
          this._setState('error', options.audio ? text.replace(/^camera/, 'camera or microphone') : text);
        }
        return;
      }
      if (this._session !== session) {
        stopStream(stream); // stopped (or disposed) while the camera opened
        return;
      }
      session.stream = stream;
      this._localStreamChanged.emit(stream);
    } else {
      this._setState('connecting', 'connecting to the kernel');
    }

    try {
      const track = stream ? stream.getVideoTracks()[0] : null;
      if (stream && !track) {
        this._fail(
          session,
          say(this._trans, (trans) => trans.__('camera missing: the camera gave no video track')),
          false,
        );
        return;
      }
      session.track = track;
      if (session.requested === 'kernel') {
        this._startKernelTransport(
          session,
          say(this._trans, (trans) => trans.__('the transport setting is "kernel"')),
        );
        return;
      }
      const pc = this.options.createPeerConnection({
        iceServers: options.iceServers,
        iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      });
      session.pc = pc;
      pc.onicecandidate = (event) => this._onLocalCandidate(session, event.candidate);
      pc.ontrack = (event) => this._onTrack(session, event);
      pc.onconnectionstatechange = () => this._onConnectionState(session);
      pc.onicecandidateerror = (event) => session.doctor.error(event);

      const transceiver =
        stream && track
          ? pc.addTransceiver(track, { direction: mode, streams: [stream] })
          : pc.addTransceiver('video', { direction: 'recvonly' });
      applyCodecPreference(transceiver, options.codec, this.options.getCodecCapabilities);
      session.sender = transceiver.sender ?? null;
      if (options.audio) {
        this._addAudio(session, pc, stream, mode);
      }
      // Before the offer, so the first frames already respect the caps (again once connected).
      this._applyQuality(session);

      const offer = await pc.createOffer();
      if (this._session !== session) {
        return;
      }
      await pc.setLocalDescription(offer);
      if (this._session !== session) {
        return;
      }
      const sdp = pc.localDescription?.sdp ?? offer.sdp;
      if (!sdp) {
        this._fail(session, 'the browser created an empty offer', false);
        return;
      }
      if (utf8Length(sdp) > MAX_SDP_BYTES) {
        this._fail(
          session,
          say(this._trans, (trans) =>
            trans.__('the browser created an offer larger than %1 KiB', MAX_SDP_BYTES / 1024),
          ),
          false,
        );
        return;
      }
      this.options.send({ type: 'offer', sdp, ice_servers: options.iceServers });
      session.offerSent = true;
      for (const candidate of session.outgoing.splice(0)) {
        this.options.send({ type: 'candidate', candidate });
      }
      this._setState('connecting', "waiting for the kernel's answer");
      session.answerTimer = setTimeout(() => {
        if (this._session === session && !session.answerReceived) {
          this._fail(session, 'no answer from the kernel', true);
        }
      }, this.options.answerTimeoutMs ?? 30000);
      if (session.requested === 'auto' && this._kernelTransportUnsupported() === null) {
        const ms = this.options.fallbackMs ?? FALLBACK_MS;
        session.fallbackTimer = setTimeout(() => {
          session.fallbackTimer = null;
          void this._fallBack(
            session,
            say(this._trans, (trans) => trans.__('WebRTC did not connect within %1 s', ms / 1000)),
          );
        }, ms);
      }
    } catch (error) {
      if (this._session === session) {
        this._fail(
          session,
          say(this._trans, (trans) => trans.__('could not start the connection: %1', errorText(error))),
          session.offerSent,
        );
      }
    }
  }

  /**
   * Stops the session: tells the kernel (unless `notifyKernel` is false,
   * e.g. because the kernel closed the comm), closes the peer connection and
   * releases the camera. Does nothing when no session is active.
   */
  stop(reason = '', notifyKernel = true): void {
    const session = this._session;
    if (!session) {
      return;
    }
    if (notifyKernel) {
      this._sendStop(session);
    }
    this._teardown(session);
    this._setState('stopped', reason);
  }

  /**
   * Switches the running session to another camera without renegotiating: the new camera's track
   * replaces the old one on the same sender (RTCRtpSender.replaceTrack; over the kernel transport,
   * in the encoder: _sendCamera), then the old camera is
   * released. A camera that cannot be opened leaves the session as it was, with a notice. Switches
   * run one after another. Does nothing without a session that sends a camera.
   */
  switchCamera(constraints: MediaStreamConstraints): Promise<void> {
    this._switching = this._switching.then(() => this._switchCamera(constraints));
    return this._switching;
  }

  private async _switchCamera(constraints: MediaStreamConstraints): Promise<void> {
    const session = this._session;
    if (!session || !session.track || (session.carrier === 'webrtc' && !session.sender?.replaceTrack)) {
      return;
    }
    let stream: MediaStream;
    try {
      stream = await this.options.getUserMedia(constraints);
    } catch (error) {
      if (this._session === session) {
        this._notice.emit(this._trans.__('could not switch the camera: %1', describeCameraError(error)));
      }
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (this._session !== session || !track) {
      stopStream(stream);
      if (!track && this._session === session) {
        this._notice.emit(this._trans.__('could not switch the camera: it gave no video track'));
      }
      return;
    }
    try {
      await this._sendCamera(session, track);
    } catch (error) {
      stopStream(stream);
      if (this._session === session) {
        this._notice.emit(this._trans.__('could not switch the camera: %1', errorText(error)));
      }
      return;
    }
    if (this._session !== session) {
      stopStream(stream);
      return;
    }
    // Only the old camera is released: the microphone's track moves to the new stream, so the audio
    // sender keeps sending it and the session's stream (the preview, the teardown) holds both.
    const old = session.stream;
    for (const audio of old?.getAudioTracks() ?? []) {
      stream.addTrack(audio);
    }
    session.stream = stream;
    session.track = track;
    for (const video of old?.getVideoTracks() ?? []) {
      video.stop();
    }
    this._localStreamChanged.emit(stream);
    this._applyQuality(session);
  }

  /**
   * Puts `track` where the session's camera goes: over WebRTC on the same sender (replaceTrack); over
   * the kernel transport the encoder reads it instead (its first frame a keyframe: the kernel's decoder
   * cannot continue the old camera's frames); before the kernel is ready, it starts with it.
   */
  private async _sendCamera(session: ISession, track: MediaStreamTrack): Promise<void> {
    if (session.carrier === 'kernel') {
      session.kernel?.start(track);
      return;
    }
    if (!session.sender?.replaceTrack) {
      throw new Error('the connection has no video sender');
    }
    await session.sender.replaceTrack(track);
  }

  /**
   * Switches the running session to another microphone without renegotiating, as switchCamera does
   * for the camera: `audio` (the getUserMedia audio constraint) is opened alone, its track replaces
   * the old one on the audio sender, then only the old microphone is released (the camera goes on).
   * A microphone that cannot be opened leaves the session as it was, with a notice. Runs in turn with
   * camera switches. Does nothing without a session that sends a microphone.
   */
  switchMicrophone(audio: boolean | MediaTrackConstraints): Promise<void> {
    this._switching = this._switching.then(() => this._switchMicrophone(audio));
    return this._switching;
  }

  private async _switchMicrophone(audio: boolean | MediaTrackConstraints): Promise<void> {
    const session = this._session;
    const sender = session?.audioSender;
    if (!session || !session.audioTrack || !sender?.replaceTrack) {
      return;
    }
    let opened: MediaStream;
    try {
      opened = await this.options.getUserMedia({ audio, video: false });
    } catch (error) {
      if (this._session === session) {
        this._notice.emit(this._trans.__('could not switch the microphone: %1', describeMicrophoneError(error)));
      }
      return;
    }
    const track = opened.getAudioTracks()[0];
    // Anything else the browser opened with it is not used.
    for (const other of opened.getTracks()) {
      if (other !== track) {
        other.stop();
      }
    }
    if (this._session !== session || !track) {
      track?.stop();
      if (!track && this._session === session) {
        this._notice.emit(this._trans.__('could not switch the microphone: it gave no audio track'));
      }
      return;
    }
    try {
      await sender.replaceTrack(track);
    } catch (error) {
      track.stop();
      if (this._session === session) {
        this._notice.emit(this._trans.__('could not switch the microphone: %1', errorText(error)));
      }
      return;
    }
    if (this._session !== session) {
      track.stop();
      return;
    }
    const old = session.audioTrack;
    session.audioTrack = track;
    session.stream?.removeTrack(old);
    session.stream?.addTrack(track);
    old.stop();
  }

  /**
   * New caps for the camera's sender: applied at once to the running
   * session (setParameters, no renegotiation) and to later sessions.
   */
  setQuality(quality: IQuality): void {
    this._quality = quality;
    if (this._session) {
      this._applyQuality(this._session);
    }
  }

  /**
   * Applies the current caps to the session's sender and track: the
   * contentHint at once, the encoding parameters in turn (each
   * setParameters needs the parameters of the one before it).
   */
  private _applyQuality(session: ISession): void {
    const track = session.track;
    if (!track) {
      return;
    }
    const quality = senderQuality(this._quality, track.getSettings?.() ?? {});
    try {
      track.contentHint = quality.contentHint;
    } catch {
      // contentHint unsupported: the encoder picks its own trade-off
    }
    const sender = session.sender;
    if (!sender) {
      return;
    }
    this._qualityApplied = this._qualityApplied.then(async () => {
      if (this._session !== session) {
        return;
      }
      // Everything that can throw is inside the try: one failure must not leave the chain rejected,
      // which would skip every later update of this client.
      try {
        const parameters = withSenderQuality(sender.getParameters(), quality);
        if (!parameters) {
          return; // no encoding before negotiation: applied again once connected
        }
        await sender.setParameters(parameters);
      } catch (error) {
        if (this._session === session) {
          this._notice.emit(this._trans.__('could not apply the quality settings to the camera: %1', errorText(error)));
        }
      }
    });
  }

  /** Which transport carries the running session's media (null: no session). */
  get transport(): 'webrtc' | 'kernel' | null {
    return this._session?.carrier ?? null;
  }

  /** Why the running session uses the kernel transport ("" over WebRTC or without a session). */
  get fallbackReason(): string {
    return this._session?.kernelReason.english ?? '';
  }

  /** One kernel-transport `media` message from the kernel, with its buffers. */
  handleMedia(buffers: readonly unknown[] | undefined): void {
    this._session?.kernel?.receive(buffers);
  }

  /** Handles one validated message from the kernel (stats excluded). */
  async handleMessage(message: KernelMessage): Promise<void> {
    const session = this._session;
    switch (message.type) {
      case 'kernel_transport_ready':
        return this._onKernelTransportReady(session);
      case 'media':
        return; // with its buffers: handleMedia
      case 'answer':
        return this._onAnswer(session, message.sdp);
      case 'candidate':
        return this._onRemoteCandidate(session, message.candidate);
      case 'error':
        if (message.fatal && session && this._mayFallBack(session)) {
          // the kernel gave up on ICE first: 'auto' goes on over the kernel transport
          void this._fallBack(
            session,
            say(this._trans, (trans) => trans.__('WebRTC failed in the kernel (%1)', message.message)),
          );
          return;
        }
        if (message.fatal) {
          if (session) {
            this._fail(
              session,
              say(this._trans, (trans) => trans.__('kernel: %1', message.message)),
              false,
            );
          } else {
            this._setState(
              'error',
              say(this._trans, (trans) => trans.__('kernel: %1', message.message)),
            );
          }
        } else {
          this._notice.emit(this._trans.__('kernel: %1', message.message));
        }
        return;
      case 'stopped':
        if (this._awaitingStoppedAck) {
          // The kernel confirms a stop we sent; it always arrives before the
          // answer to any later offer, so it is never about a newer session.
          this._awaitingStoppedAck = false;
          if (!session || !session.answerReceived) {
            return;
          }
        }
        if (session) {
          this._teardown(session);
          this._setState(
            'stopped',
            message.reason
              ? say(this._trans, (trans) => trans.__('by the kernel (%1)', message.reason))
              : 'by the kernel',
          );
        }
        return;
      case 'stats':
        return; // shown by the view
      case 'diagnose':
        await this.diagnose();
        return;
      case 'start':
      case 'select_camera':
        return; // handled by the model (see WebRtcStreamerModel)
    }
  }

  /**
   * The session's getStats() report, with the session it belongs to (a report of an ended session
   * must not be mixed with the next one's); null when no session has a peer connection yet.
   */
  async getStats(): Promise<{ sessionId: number; report: IStatsReportLike } | null> {
    const session = this._session;
    const pc = session?.pc;
    if (!session || !pc?.getStats) {
      return null;
    }
    const report = await pc.getStats();
    return this._session === session ? { sessionId: session.id, report } : null;
  }

  /**
   * Over the kernel transport, the link's figures since the last call (one reader: the model's
   * stats polling) and the camera frames it dropped, with the session they belong to; null otherwise.
   */
  readKernelLink(): { sessionId: number; figures: ILinkFigures; dropped: number } | null {
    const session = this._session;
    if (!session || !session.kernel || !session.kernelMeter) {
      return null;
    }
    const { dropped_out, oversized_out } = session.kernel.counts;
    return { sessionId: session.id, figures: session.kernelMeter.read(), dropped: dropped_out + oversized_out };
  }

  /** True once disposed: start() does nothing any more. */
  get disposed(): boolean {
    return this._disposed;
  }

  /**
   * Stops any session (telling the kernel unless `notifyKernel` is false),
   * then disconnects every receiver; later calls do nothing.
   */
  dispose(reason = 'the widget was closed', notifyKernel = true): void {
    if (this._disposed) {
      return;
    }
    this.stop(reason, notifyKernel);
    this._disposed = true;
    Signal.clearData(this);
  }

  private async _onAnswer(session: ISession | null, sdp: string): Promise<void> {
    if (!session || !session.pc || !session.offerSent || session.answerReceived) {
      console.warn('jupyterlab-webrtc: ignoring an answer outside an offer');
      return;
    }
    session.answerReceived = true;
    this._awaitingStoppedAck = false;
    if (session.answerTimer !== null) {
      clearTimeout(session.answerTimer);
      session.answerTimer = null;
    }
    try {
      await session.pc.setRemoteDescription({ type: 'answer', sdp });
    } catch (error) {
      if (this._session === session) {
        this._fail(
          session,
          say(this._trans, (trans) => trans.__("could not apply the kernel's answer: %1", errorText(error))),
          true,
        );
      }
      return;
    }
    if (this._session !== session) {
      return;
    }
    session.remoteDescriptionSet = true;
    if (this._state === 'connecting') {
      this._setState('connecting', 'establishing the connection');
    }
    for (const candidate of session.incoming.splice(0)) {
      await this._addRemoteCandidate(session, candidate);
    }
  }

  private async _onRemoteCandidate(session: ISession | null, candidate: RTCIceCandidateInit | null): Promise<void> {
    if (!session || !session.pc) {
      return; // a late candidate for a session that has ended
    }
    if (candidate?.candidate) {
      session.doctor.remote(candidate.candidate);
    }
    if (!session.remoteDescriptionSet) {
      session.incoming.push(candidate);
      return;
    }
    await this._addRemoteCandidate(session, candidate);
  }

  private async _addRemoteCandidate(session: ISession, candidate: RTCIceCandidateInit | null): Promise<void> {
    if (this._session !== session || !session.pc) {
      return;
    }
    try {
      if (candidate === null) {
        await session.pc.addIceCandidate(); // end of candidates
      } else {
        await session.pc.addIceCandidate(candidate);
      }
    } catch (error) {
      console.warn('jupyterlab-webrtc: could not add the kernel ICE candidate', candidate, error);
    }
  }

  private _onLocalCandidate(session: ISession, candidate: RTCIceCandidate | null): void {
    if (this._session !== session) {
      return;
    }
    if (candidate && !candidate.candidate) {
      return; // "" marks the end of one generation; the null event follows
    }
    if (candidate) {
      session.doctor.local(candidate.candidate);
    } else if (session.doctor.gatheredNothing) {
      // Nothing to connect with (relay-only and no TURN relay, typically): say why now, not after ICE times out.
      void this._failDiagnosed(session);
    }
    const json = candidateToJSON(candidate);
    if (session.offerSent) {
      this.options.send({ type: 'candidate', candidate: json });
    } else {
      session.outgoing.push(json);
    }
  }

  /**
   * The audio transceiver (Opus is the browser's default audio codec, which the kernel requires):
   * recvonly receives the kernel's audio with no microphone opened; otherwise the microphone's
   * track. A stream without an audio track goes on with video only, and says so.
   */
  private _addAudio(
    session: ISession,
    pc: IPeerConnectionLike,
    stream: MediaStream | null,
    direction: StreamMode,
  ): void {
    if (direction === 'recvonly' || !stream) {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      return;
    }
    const track = stream.getAudioTracks()[0];
    if (!track) {
      this._notice.emit(this._trans.__('microphone missing: the browser gave no audio track; streaming video only'));
      return;
    }
    session.audioTrack = track;
    session.audioSender = pc.addTransceiver(track, { direction, streams: [stream] }).sender ?? null;
  }

  /** Each of the kernel's tracks (video, audio) joins the session's one remote stream. */
  private _onTrack(session: ISession, event: { track: MediaStreamTrack; streams: readonly MediaStream[] }): void {
    if (this._session !== session) {
      return;
    }
    const remote = session.remote;
    if (remote && remote !== event.streams[0]) {
      if (!remote.getTracks().includes(event.track)) {
        remote.addTrack(event.track);
      }
    } else {
      session.remote =
        event.streams[0] ??
        (this.options.makeStream ? this.options.makeStream(event.track) : new MediaStream([event.track]));
    }
    this._remoteStreamChanged.emit(session.remote);
  }

  private _onConnectionState(session: ISession): void {
    if (this._session !== session || !session.pc) {
      return;
    }
    switch (session.pc.connectionState) {
      case 'connected':
        if (session.fallbackTimer !== null) {
          clearTimeout(session.fallbackTimer);
          session.fallbackTimer = null;
        }
        this._applyQuality(session);
        this._setState('playing', '');
        break;
      case 'disconnected':
        if (this._state === 'playing') {
          this._notice.emit(this._trans.__('connection interrupted; trying to recover'));
        }
        break;
      case 'failed':
        if (this._mayFallBack(session)) {
          void this._fallBack(
            session,
            say(this._trans, (trans) => trans.__('WebRTC failed')),
          );
          break;
        }
        void this._failDiagnosed(session);
        break;
    }
  }

  /**
   * The connection doctor's report on the current session (its outcome so far), sent to the kernel
   * too; without a session the last one. Null before any session.
   */
  async diagnose(): Promise<IConnectionReport | null> {
    const session = this._session;
    if (!session) {
      if (this._lastReport) {
        this._sendReport(this._lastReport);
      }
      return this._lastReport;
    }
    return this._report(session, this._state === 'playing' ? 'connected' : 'connecting');
  }

  /** Makes, keeps and sends the doctor's report on `session`; null if the session ended meanwhile. */
  private async _report(session: ISession, outcome: IConnectionReport['outcome']): Promise<IConnectionReport | null> {
    let stats: IStatsReportLike | null = null;
    try {
      stats = (await session.pc?.getStats?.()) ?? null;
    } catch {
      // no statistics (a closing connection): the report says what the events told
    }
    if (this._session !== session) {
      return null;
    }
    const report = session.doctor.report(outcome, stats);
    this._lastReport = report;
    this._sendReport(report);
    return report;
  }

  private _sendReport(report: IConnectionReport): void {
    try {
      this.options.send({ type: 'connection_report', report });
    } catch (error) {
      console.warn('jupyterlab-webrtc: could not send the connection report to the kernel', error);
    }
  }

  /** Ends a session whose connection failed, saying why (the doctor's summary) and what to do. */
  private async _failDiagnosed(session: ISession): Promise<void> {
    if (session.failing) {
      return;
    }
    session.failing = true;
    const report = await this._report(session, 'failed');
    if (!report || this._session !== session) {
      return;
    }
    const shown = this._shownReport(report);
    this._fail(
      session,
      say(this._trans, (trans, of) => trans.__('connection failed: %1', of(shown.summary))),
      true,
    );
    this._emitAdvice(shown.advice);
  }

  /**
   * 'auto' and still on WebRTC, not yet connected: a WebRTC failure is a reason to fall back
   * (unless this browser cannot run the kernel transport: 'auto' is then just WebRTC).
   */
  private _mayFallBack(session: ISession): boolean {
    return (
      this._session === session &&
      !session.failing &&
      session.requested === 'auto' &&
      session.carrier === 'webrtc' &&
      session.pc?.connectionState !== 'connected' &&
      this._kernelTransportUnsupported() === null
    );
  }

  private _kernelTransportUnsupported(): string | null {
    return (this.options.kernelTransportUnsupported ?? kernelTransportUnsupported)();
  }

  /**
   * Gives up on WebRTC (the camera stays open) and goes on over the kernel transport, saying why in
   * the connection doctor's words: its report on the failed attempt goes to the kernel (ctx.diagnose()),
   * its summary follows `when` in the reason (the status line, the kernel's log), its advice is the notice.
   */
  private async _fallBack(session: ISession, when: ISaid): Promise<void> {
    if (!this._mayFallBack(session)) {
      return;
    }
    session.failing = true; // one report, one fallback: later failure events change nothing
    if (session.fallbackTimer !== null) {
      clearTimeout(session.fallbackTimer);
      session.fallbackTimer = null;
    }
    const report = await this._report(session, 'failed'); // reads getStats: the peer connection is still open
    if (!report || this._session !== session) {
      return;
    }
    session.failing = false;
    if (!this._mayFallBack(session)) {
      return; // it connected while the doctor was reading
    }
    this._closePeerConnection(session);
    session.sender = null;
    session.audioSender = null;
    if (session.remote) {
      session.remote = null;
      this._remoteStreamChanged.emit(null);
    }
    const shown = this._shownReport(report);
    const reason = say(this._trans, (trans, of) => trans.__('%1: %2', of(when), of(shown.summary)));
    this._startKernelTransport(session, { english: fitText(reason.english), shown: fitText(reason.shown) });
    this._emitAdvice(shown.advice);
  }

  /**
   * The doctor's summary and advice on `report` in both copies: the report's own (English, sent to
   * the kernel) and the same facts explained in the page's language.
   */
  private _shownReport(report: IConnectionReport): { summary: ISaid; advice: string[] } {
    const words = explainConnection(report, this._trans);
    return {
      summary: { english: report.summary, shown: fitText(words.summary) },
      advice: words.advice.slice(0, report.advice.length).map(fitText),
    };
  }

  /** The doctor's advice as a notice (shown only). */
  private _emitAdvice(advice: string[]): void {
    if (advice.length > 0) {
      this._notice.emit(this._trans.__('what to do: %1', advice.join('; ')));
    }
  }

  /** Asks the kernel for a kernel-transport session; media flows once it says it is ready. */
  private _startKernelTransport(session: ISession, reason: ISaid): void {
    const unsupported = this._kernelTransportUnsupported();
    if (unsupported) {
      this._fail(
        session,
        say(this._trans, (trans, of) => trans.__('cannot use the kernel connection (%1): %2', of(reason), unsupported)),
        session.offerSent,
      );
      return;
    }
    if (session.answerTimer !== null) {
      clearTimeout(session.answerTimer);
    }
    session.carrier = 'kernel';
    session.kernelReason = reason;
    session.answerReceived = false;
    this.options.send({ type: 'use_kernel_transport', reason: fitText(reason.english) });
    session.offerSent = true;
    this._setState(
      'connecting',
      say(this._trans, (trans, of) => trans.__('starting the kernel connection (%1)', of(reason))),
    );
    session.answerTimer = setTimeout(() => {
      if (this._session === session && !session.answerReceived) {
        this._fail(session, 'no answer from the kernel', true);
      }
    }, this.options.answerTimeoutMs ?? 30000);
  }

  private _onKernelTransportReady(session: ISession | null): void {
    if (!session || session.carrier !== 'kernel' || session.answerReceived) {
      return; // late, for a session that has ended or moved on
    }
    session.answerReceived = true;
    this._awaitingStoppedAck = false;
    if (session.answerTimer !== null) {
      clearTimeout(session.answerTimer);
      session.answerTimer = null;
    }
    const onError = (message: string) => this._session === session && this._notice.emit(message);
    const onFatal = (message: string) =>
      this._fail(
        session,
        say(this._trans, (trans) => trans.__("the kernel connection's codec worker failed: %1", message)),
        true,
      );
    const bitrate = () => (this._quality.bitrate_kbps === null ? null : this._quality.bitrate_kbps * 1000);
    try {
      this._startKernelLink(session, bitrate, onError, onFatal);
    } catch (error) {
      // the answer is in, so no timer would end this: without this the state stays "connecting"
      this._fail(
        session,
        say(this._trans, (trans) => trans.__('could not start the kernel connection: %1', (error as Error).message)),
        true,
      );
      return;
    }
    this._setState(
      'playing',
      say(this._trans, (trans, of) => trans.__('kernel connection: %1', of(session.kernelReason))),
    );
  }

  /** The kernel transport's codecs and link for this session, the camera encoding; throws when they cannot start. */
  private _startKernelLink(
    session: ISession,
    bitrate: () => number | null,
    onError: (message: string) => void,
    onFatal: (message: string) => void,
  ): void {
    const codecs = this.options.createKernelCodecs
      ? this.options.createKernelCodecs(bitrate, onError, onFatal)
      : this._defaultKernelCodecs(bitrate, onError, onFatal);
    const sendMedia = this.options.sendMedia;
    const meter = (session.kernelMeter = new LinkMeter());
    // every buffer to the kernel (video, acks, audio, keepalives) passes here
    session.keepalive = new MediaKeepalive((buffer) => {
      meter.countOut(buffer.byteLength);
      sendMedia?.(buffer);
    });
    const send = session.keepalive.send;
    let audio: KernelAudioLink | null;
    try {
      audio = this._startKernelAudio(session, send, onError);
    } catch (error) {
      // session.kernel is not set yet, so the session's end would not close the video codecs (maybe a Worker)
      codecs.close();
      throw new Error(`the audio could not start: ${(error as Error).message}`);
    }
    session.kernel = new KernelTransportLink({
      send,
      codecs,
      onOutput: (stream) => {
        if (this._session === session) {
          if (session.kernelAudioTrack && !stream.getAudioTracks().length) {
            stream.addTrack(session.kernelAudioTrack);
          }
          session.remote = stream;
          this._remoteStreamChanged.emit(stream);
        }
      },
      onProblem: onError,
      // audio turned off for lack of codecs was said once; the kernel's packets are then ignored
      onAudio: audio ? (header, bytes) => audio.receive(header, bytes) : session.audio ? () => undefined : undefined,
      meter,
    });
    session.kernel.start(session.mode === 'recvonly' ? null : session.track);
  }

  /** The codecs in a worker; in the page when the worker cannot start (a CSP without worker-src, no stream transfer). */
  private _defaultKernelCodecs(
    bitrate: () => number | null,
    onError: (message: string) => void,
    onFatal: (message: string) => void,
  ): IKernelCodecs {
    if (typeof Worker !== 'undefined') {
      try {
        return new WorkerKernelCodecs(bitrate, onError, onFatal);
      } catch (error) {
        const why = say(this._trans, (trans) =>
          trans.__('the codec worker could not start (%1): the codecs run in the page', (error as Error).message),
        );
        console.warn(`jupyterlab-webrtc: ${why.english}`);
        onError(why.shown);
      }
    }
    return new WebCodecsKernelCodecs(bitrate, onError);
  }

  /**
   * The kernel transport's audio (kernel-audio.ts), where WebRTC would carry it: the microphone
   * unless recvonly, the kernel's audio unless sendonly. A browser without the WebCodecs audio
   * codecs goes on with video only and says so. The microphone's switch (switchMicrophone) works
   * as over WebRTC through a stand-in sender whose replaceTrack reads the new microphone.
   */
  private _startKernelAudio(
    session: ISession,
    send: (buffer: Uint8Array) => void,
    onError: (message: string) => void,
  ): KernelAudioLink | null {
    if (!session.audio) {
      return null;
    }
    const microphone = session.mode === 'recvonly' ? null : (session.stream?.getAudioTracks()[0] ?? null);
    const unsupported = this.options.kernelAudioUnsupported ?? kernelAudioUnsupported;
    const why =
      (microphone ? unsupported('send') : null) ?? (session.mode !== 'sendonly' ? unsupported('receive') : null);
    if (why) {
      this._notice.emit(this._trans.__('audio off over the kernel connection: %1; video goes on', why));
      return null;
    }
    const link = new KernelAudioLink({
      send,
      codecs: this.options.createKernelAudioCodecs
        ? this.options.createKernelAudioCodecs(onError)
        : new WebCodecsKernelAudio(onError),
      onOutput: (track) => {
        if (this._session !== session) {
          return;
        }
        session.kernelAudioTrack = track;
        if (session.remote && !session.remote.getTracks().includes(track)) {
          session.remote.addTrack(track);
          this._remoteStreamChanged.emit(session.remote);
        }
      },
      onProblem: onError,
    });
    session.kernelAudio = link;
    if (microphone) {
      link.start(microphone);
      session.audioTrack = microphone;
      session.audioSender = {
        getParameters: () => ({}) as RTCRtpSendParameters,
        setParameters: () => Promise.resolve(),
        replaceTrack: async (track) => {
          if (track) {
            link.start(track);
          }
        },
      };
    }
    return link;
  }

  private _fail(session: ISession, reason: string | ISaid, notifyKernel: boolean): void {
    if (this._session !== session) {
      return;
    }
    if (notifyKernel) {
      this._sendStop(session);
    }
    this._teardown(session);
    this._setState('error', reason);
  }

  private _sendStop(session: ISession): void {
    try {
      this.options.send({ type: 'stop' });
    } catch (error) {
      // The comm is gone: the kernel releases the peer when it closes.
      console.warn('jupyterlab-webrtc: could not send stop to the kernel', error);
    }
    if (session.offerSent) {
      this._awaitingStoppedAck = true;
    }
  }

  private _teardown(session: ISession): void {
    if (this._session === session) {
      this._session = null;
    }
    if (session.answerTimer !== null) {
      clearTimeout(session.answerTimer);
      session.answerTimer = null;
    }
    if (session.fallbackTimer !== null) {
      clearTimeout(session.fallbackTimer);
      session.fallbackTimer = null;
    }
    session.kernel?.close();
    session.kernel = null;
    session.kernelAudio?.close();
    session.kernelAudio = null;
    session.keepalive?.close();
    session.keepalive = null;
    this._closePeerConnection(session);
    stopStream(session.stream);
    session.stream = null;
    this._localStreamChanged.emit(null);
    this._remoteStreamChanged.emit(null);
  }

  /** Closes the session's peer connection (if any), its handlers first. */
  private _closePeerConnection(session: ISession): void {
    const pc = session.pc;
    session.pc = null;
    if (pc) {
      pc.onicecandidate = null;
      pc.ontrack = null;
      pc.onconnectionstatechange = null;
      try {
        pc.close();
      } catch (error) {
        console.warn('jupyterlab-webrtc: closing the peer connection failed', error);
      }
    }
  }

  /** `detail`: English words are sent and shown as they are (texts.ts translates the fixed ones). */
  private _setState(state: StreamState, detail: string | ISaid): void {
    const { english, shown } = asSaid(detail);
    if (state === this._state && english === this._detail && shown === this._shownDetail) {
      return;
    }
    this._state = state;
    this._detail = english;
    this._shownDetail = shown;
    this._stateChanged.emit({ state, detail: english });
  }

  private get _trans(): TranslationBundle {
    return this.options.trans ?? ENGLISH;
  }

  private _stateChanged = new Signal<this, IStateChange>(this);
  private _localStreamChanged = new Signal<this, MediaStream | null>(this);
  private _remoteStreamChanged = new Signal<this, MediaStream | null>(this);
  private _notice = new Signal<this, string>(this);
  private _state: StreamState = 'idle';
  private _detail = '';
  private _shownDetail = '';
  private _session: ISession | null = null;
  private _sessionCounter = 0;
  private _disposed = false;
  private _awaitingStoppedAck = false;
  private _quality: IQuality = NO_QUALITY;
  private _lastReport: IConnectionReport | null = null;
  /** The last setParameters in the chain (see _applyQuality). */
  private _qualityApplied: Promise<void> = Promise.resolve();
  /** The last camera or microphone switch in the chain (see switchCamera, switchMicrophone). */
  private _switching: Promise<void> = Promise.resolve();
}
