/**
 * The werift RTCPeerConnection and its signalling: the answer to the browser's offer, ICE candidates
 * both ways, the connection state, the one video transceiver (the browser's camera in, the
 * transformed frames out, or one of the two) and, when the browser offers its microphone, one
 * Opus audio transceiver. It runs in the worker so a busy kernel main thread cannot stall
 * ICE/DTLS. Media itself is receive.ts / send.ts; this file only tells them where to read and write.
 *
 * The offer's direction decides ours (sdp-direction.ts): a sendrecv offer is answered sendrecv, a
 * sendonly one (the browser only sends its camera) recvonly, with no send track, so nothing is
 * ever encoded; a recvonly one (the browser only plays what we send) sendonly, with no receiver.
 */
import { randomUUID } from 'node:crypto';
import type { RTCPeerConnection as PeerConnection, RTCRtpTransceiver, MediaStreamTrack as Track } from 'werift';
import { errorMessage } from '../../errors';
import { withBitrateHints } from '../bitrate-hints';
import { PLAYOUT_DELAY_URI } from '../playout-delay';
import { directionOf, MediaDirection, reverseDirection, videoDirectionOf } from '../sdp-direction';
import {
  countMLines,
  MAX_OFFER_MLINES,
  type CandidateInit,
  type FromWorker,
  type LinkStats,
  type PeerState,
  type WorkerInit,
} from '../protocol';
import { Cleanup } from './cleanup';
import { Liveness } from './liveness';
import { networkConfig } from './network';
import type { RtpOut } from './send';
import { listenToSendFeedback, type SendFeedback } from './send-feedback';
import { TwccFeedback } from './twcc-feedback';
import type { SenderReportClock } from './sender-report';
import { NO_LINK_STATS } from './stats';

const werift = require('werift') as typeof import('werift');

export interface PeerEvents {
  post: (msg: FromWorker) => void;
  onError: (e: unknown) => void;
  /** The browser's video track arrived; `sendPli` asks the browser for a keyframe. */
  onRemoteTrack: (track: Track, sendPli: (ssrc: number) => Promise<void>) => void;
  /** The browser's audio (microphone) track arrived; its packets are Opus with `payloadType`. */
  onRemoteAudio: (track: Track, payloadType: number) => void;
  /** The next frame we send must be a keyframe (connected, or the browser sent a PLI). */
  onKeyframeWanted: () => void;
  /** The browser's loss reports and bandwidth estimate on the video we send (send-feedback.ts). */
  sendFeedback?: SendFeedback;
}

const isVp8 = (mimeType: string) => /vp8/i.test(mimeType);
const isOpus = (mimeType: string) => /opus/i.test(mimeType);

/**
 * VP8 with werift's default feedback (NACK, PLI, REMB) plus transport-wide congestion control: we
 * send transport-cc feedback on the browser's packets (twcc-feedback.ts, in place of werift's), so
 * Chrome's send-side bandwidth estimate adapts the camera's rate to the link (rtc/bitrate-hints.ts
 * has no floor any more).
 */
const videoCodec = () =>
  werift.useVP8({ rtcpFeedback: [werift.useNACK(), werift.usePLI(), werift.useREMB(), werift.useTWCC()] });

/**
 * Audio codecs we negotiate: Opus, the only one we decode, and the two G.711 codecs every browser
 * has, only so that an offer restricted to them is still answered (video goes on, audio is off,
 * and the user is told why) instead of failing werift's codec negotiation as a whole.
 */
const audioCodecs = () => [
  werift.useOPUS(),
  werift.usePCMU(),
  new werift.RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 }),
];

/** Which way audio flows; the stream's mode decides it (sendrecv by default). */

/** The closeReason of a connection whose browser fell silent (Liveness). */
const BROWSER_WENT_AWAY = 'the browser went away';

export class Peer {
  private readonly pc: PeerConnection;
  private state: PeerState = 'new';
  private closed = false;
  private endOfCandidatesSent = false;
  private video: RTCRtpTransceiver | undefined;
  /** Our direction for the offer being answered (the reverse of the offer's); set before it is applied. */
  private direction: MediaDirection = 'sendrecv';
  /** The same for the audio section (the stream's mode applies to both; 'inactive' without one). */
  private audioDirection: MediaDirection = 'inactive';
  private sendTrack: Track | undefined;
  private payloadType: number | undefined;
  private audio: RTCRtpTransceiver | undefined;
  private audioSendTrack: Track | undefined;
  private audioPayloadType: number | undefined;
  private remoteAudio: Track | undefined;
  private audioAttached = false;
  /** The playout-delay extension's id in this session, when the browser offered it. */
  private playoutDelayId: number | undefined;
  private readonly cleanup = new Cleanup();
  private readonly liveness: Liveness;
  /**
   * The answer's msid stream of both our tracks: the browser lip-syncs only the tracks of one
   * stream (its sync group), and shows them as one MediaStream.
   */
  private readonly streamId = randomUUID();

  constructor(
    init: Pick<WorkerInit, 'iceServers' | 'hostAddresses' | 'livenessTimeoutMs'>,
    private readonly events: PeerEvents,
  ) {
    this.pc = new werift.RTCPeerConnection({
      iceServers: init.iceServers as PeerConnection['config']['iceServers'],
      ...networkConfig(init.hostAddresses ?? ['127.0.0.1'], init.iceServers),
      codecs: { audio: audioCodecs(), video: [videoCodec()] },
      // negotiated by URI (the answer takes the offer's id); see rtc/playout-delay.ts and videoCodec
      headerExtensions: { audio: [], video: [{ id: 0, uri: PLAYOUT_DELAY_URI }, werift.useTransportWideCC()] },
    });
    this.liveness = new Liveness(init.livenessTimeoutMs, () => this.setState('closed', BROWSER_WENT_AWAY));
    this.cleanup.add(() => this.liveness.stop());
    const subs = [
      this.pc.onIceCandidate.subscribe((c) => {
        if (!c) return this.endOfCandidates();
        if (this.closed || this.endOfCandidatesSent) return;
        const j = c.toJSON() as CandidateInit;
        events.post({
          t: 'candidate',
          candidate: { candidate: j.candidate, sdpMid: j.sdpMid ?? null, sdpMLineIndex: j.sdpMLineIndex ?? null },
        });
      }),
      // werift signals end of candidates with the gathering state
      this.pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && this.endOfCandidates()),
      this.pc.connectionStateChange.subscribe((s) => {
        if (this.closed) return;
        if (s === 'connected') {
          events.onKeyframeWanted();
          this.liveness.start();
          this.setState('connected');
        } else if (s === 'connecting' || s === 'disconnected') this.setState('connecting');
        else if (s === 'failed') this.setState('failed');
        else if (s === 'closed') this.setState('closed');
      }),
      this.pc.onRemoteTransceiverAdded.subscribe((t) => (t.kind === 'audio' ? this.addAudio(t) : this.addVideo(t))),
    ];
    this.cleanup.add(() => subs.forEach((s) => s.unSubscribe()));
  }

  /** Where to write encoded frames, once connected and negotiated. */
  get rtpOut(): RtpOut | undefined {
    if (this.state !== 'connected' || !this.sendTrack || this.payloadType === undefined) return undefined;
    return {
      track: this.sendTrack,
      payloadType: this.payloadType,
      playoutDelayId: this.playoutDelayId,
      reportClock: this.video?.sender as SenderReportClock | undefined,
    };
  }

  /** Where to write Opus packets, once connected and audio was negotiated with Opus. */
  get audioOut(): RtpOut | undefined {
    if (this.state !== 'connected' || !this.audioSendTrack || this.audioPayloadType === undefined) return undefined;
    return {
      track: this.audioSendTrack,
      payloadType: this.audioPayloadType,
      reportClock: this.audio?.sender as SenderReportClock | undefined,
    };
  }

  /**
   * Applies the browser's offer; resolves with our answer SDP (with bitrate hints) at once, without
   * candidates: they all trickle (the browser queues ours until it has the answer). werift's
   * setLocalDescription gathers before it resolves, and an unreachable STUN/TURN server held the
   * answer, and any Stop queued behind it, for 5-7 s.
   */
  async answer(sdp: string): Promise<string> {
    if (typeof sdp !== 'string' || !/^v=0/m.test(sdp)) throw new Error('offer is not an SDP (no "v=0" line)');
    const offered = videoDirectionOf(sdp);
    if (offered === null) throw new Error('offer has no video m-line');
    if (offered === 'inactive') throw new Error("offer's video section is inactive (nothing to send or receive)");
    this.direction = reverseDirection(offered);
    this.audioDirection = reverseDirection(directionOf(sdp, 'audio') ?? 'inactive');
    const mLines = countMLines(sdp);
    if (mLines > MAX_OFFER_MLINES)
      throw new Error(`offer has ${mLines} m-lines; at most ${MAX_OFFER_MLINES} are accepted`);
    if (/^m=audio /m.test(sdp) && !/^a=rtpmap:\d+ (opus|PCMU|PCMA)\//im.test(sdp))
      throw new Error('offer has audio in none of the codecs the kernel takes (Opus)');
    if (this.pc.signalingState !== 'stable' || this.pc.remoteDescription) {
      throw new Error('offer already answered (renegotiation is not supported)');
    }
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
    } catch (e) {
      throw new Error(`bad offer: ${errorMessage(e)}`);
    }
    if (!this.video) throw new Error('offer has no usable video (VP8) section');
    const vp8 = this.video.codecs?.find((c) => isVp8(c.mimeType));
    if (!vp8) throw new Error('offer does not support VP8');
    this.listenToBrowser();
    const ans = await this.pc.createAnswer();
    const applied = this.pc.setLocalDescription(ans);
    // Resolves after gathering; failures then surface as the connection state, not as the answer's.
    applied.catch((e) => this.closed || this.events.onError(`setLocalDescription: ${errorMessage(e)}`));
    await Promise.race([applied, this.gatheringStarted()]);
    if (this.closed) throw new Error('the peer closed while answering');
    // the payload type the browser offered for VP8 (the answer reuses the offer's numbers)
    this.payloadType = (this.video.codecs.find((c) => isVp8(c.mimeType)) ?? vp8).payloadType;
    this.playoutDelayId = this.video.headerExtensions.find((e) => e.uri === PLAYOUT_DELAY_URI)?.id;
    this.checkAudio(sdp);
    this.setState('connecting');
    return withBitrateHints(this.pc.localDescription?.sdp ?? ans.sdp);
  }

  /** Resolves once werift starts gathering: the local description is set by then. */
  private gatheringStarted(): Promise<void> {
    if (this.pc.iceGatheringState !== 'new') return Promise.resolve();
    return new Promise((resolve) => {
      const sub = this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'new') return;
        sub.unSubscribe();
        resolve();
      });
      this.cleanup.add(() => {
        sub.unSubscribe();
        resolve();
      });
    });
  }

  /** Every RTP and RTCP packet from the browser tells Liveness it is still there. */
  private listenToBrowser(): void {
    const dtls = this.video?.dtlsTransport;
    if (!dtls) return;
    const heard = () => this.liveness.heard();
    const subs = [dtls.onRtp.subscribe(heard), dtls.onRtcp.subscribe(heard)];
    this.cleanup.add(() => subs.forEach((sub) => sub.unSubscribe()));
  }

  /**
   * The link as werift's statistics see it (once a second, for the stats report): RTP bytes both
   * ways, and from the browser's receiver reports on our stream the round-trip time and loss.
   */
  async linkStats(): Promise<LinkStats> {
    const video = this.video;
    if (!video || this.closed) return NO_LINK_STATS;
    const [sent, received] = await Promise.all([video.sender.getStats(), video.receiver.getStats()]);
    const link = { ...NO_LINK_STATS };
    for (const stat of [...sent.values(), ...received.values()] as unknown as Record<string, unknown>[]) {
      if (stat.type === 'outbound-rtp') link.bytes_out = count(stat.bytesSent);
      else if (stat.type === 'inbound-rtp') {
        link.bytes_in = count(stat.bytesReceived);
        link.lost_in = count(stat.packetsLost);
      } else if (stat.type === 'remote-inbound-rtp') {
        if (typeof stat.roundTripTime === 'number' && Number.isFinite(stat.roundTripTime))
          link.rtt_ms = Math.max(0, stat.roundTripTime * 1000);
        link.loss_out = Math.min(1, count(stat.fractionLost));
      }
    }
    return link;
  }

  async addCandidate(c: CandidateInit | null): Promise<void> {
    if (c === null || !c.candidate) {
      await this.pc.addIceCandidate(undefined);
      return;
    }
    // A browser that has not opened a camera (recvonly) hides its addresses behind mDNS names.
    // werift would look each one up for up to 10 s (holding the signalling queue, a Stop too);
    // skipped, the browser's checks to our candidates still connect (peer-reflexive candidates).
    if (isMdnsCandidate(c.candidate)) return;
    await this.pc.addIceCandidate({
      candidate: c.candidate,
      sdpMid: c.sdpMid ?? undefined,
      sdpMLineIndex: c.sdpMLineIndex ?? undefined,
    });
  }

  /** Unsubscribes and closes the connection (its UDP sockets). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cleanup.run('peer cleanup', this.events.onError);
    try {
      await this.pc.close();
    } catch (e) {
      this.events.onError(`peer close: ${errorMessage(e)}`);
    }
    this.state = 'closed';
  }

  private addVideo(transceiver: RTCRtpTransceiver): void {
    if (transceiver.kind !== 'video' || this.video) return;
    this.video = transceiver;
    // Before werift applies the offer's section: it prepares a receiver only for a receiving direction.
    transceiver.setDirection(this.direction);
    if (this.direction === 'sendrecv' || this.direction === 'sendonly') {
      transceiver.sender.streamId = this.streamId;
      this.sendTrack = new werift.MediaStreamTrack({ kind: 'video' });
      transceiver.sender.replaceTrack(this.sendTrack).catch((e) => this.events.onError(e));
      const pli = transceiver.sender.onPictureLossIndication.subscribe(() => this.events.onKeyframeWanted());
      this.cleanup.add(() => pli.unSubscribe());
      const feedback = this.events.sendFeedback;
      if (feedback) this.cleanup.add(listenToSendFeedback(transceiver.sender, feedback));
    }
    if (this.direction === 'sendrecv' || this.direction === 'recvonly') {
      let remoteSsrc = 0;
      const track = transceiver.onTrack.subscribe((t) => {
        remoteSsrc = t.ssrc ?? 0;
        this.events.onRemoteTrack(t, (ssrc) => transceiver.receiver.sendRtcpPLI(ssrc));
      });
      this.cleanup.add(() => track.unSubscribe());
      const receiver = transceiver.receiver;
      const twcc = new TwccFeedback({
        send: (packet) => void receiver.dtlsTransport?.sendRtcp([{ serialize: () => packet }] as never).catch(() => 0),
        senderSsrc: () => receiver.rtcpSsrc,
        mediaSsrc: () => remoteSsrc,
      });
      // werift hands every packet's transport-wide number to receiverTWCC; with ours there it makes none of its own
      (receiver as unknown as { receiverTWCC: TwccFeedback }).receiverTWCC = twcc;
      this.cleanup.add(() => twcc.stop());
    }
  }

  /**
   * The audio transceiver (audio: true). Its direction is the reverse of the offer's, as for video;
   * a send track is attached when we send audio back.
   */
  private addAudio(transceiver: RTCRtpTransceiver): void {
    if (this.audio) return;
    this.audio = transceiver;
    transceiver.setDirection(this.audioDirection);
    transceiver.sender.streamId = this.streamId;
    if (this.audioDirection === 'sendrecv' || this.audioDirection === 'sendonly') {
      this.audioSendTrack = new werift.MediaStreamTrack({ kind: 'audio' });
      transceiver.sender.replaceTrack(this.audioSendTrack).catch((e) => this.events.onError(e));
    }
    // werift may announce the track before the answer is made (checkAudio): attach whichever comes last
    const track = transceiver.onTrack.subscribe((t) => {
      this.remoteAudio = t;
      this.attachAudio();
    });
    this.cleanup.add(() => track.unSubscribe());
  }

  /**
   * After negotiation: Opus's payload type for what we send, or, when the browser offered audio
   * without Opus, a clear error; the stream goes on with video only.
   */
  private checkAudio(sdp: string): void {
    const offered = /^m=audio /m.test(sdp);
    const opus = this.audio?.codecs?.find((c) => isOpus(c.mimeType));
    if (opus) {
      this.audioPayloadType = opus.payloadType;
      this.attachAudio();
    } else if (offered)
      this.events.onError('the browser offered audio without the Opus codec: the stream has no audio');
  }

  /** Hands the browser's audio track to the receiver once both it and Opus's payload type are known. */
  private attachAudio(): void {
    if (!this.remoteAudio || this.audioPayloadType === undefined || this.audioAttached) return;
    this.audioAttached = true;
    this.events.onRemoteAudio(this.remoteAudio, this.audioPayloadType);
  }

  private endOfCandidates(): void {
    if (this.closed || this.endOfCandidatesSent) return;
    this.endOfCandidatesSent = true;
    this.events.post({ t: 'candidate', candidate: null });
  }

  private setState(s: PeerState, reason?: string): void {
    if (this.state === s || this.state === 'closed') return;
    this.state = s;
    if (s === 'closed' || s === 'failed') this.liveness.stop();
    this.events.post(reason === undefined ? { t: 'state', state: s } : { t: 'state', state: s, reason });
  }
}

/** Whether an ICE candidate line's address is an mDNS name ("candidate:1 1 udp 2122 <uuid>.local 5000 typ host"). */
export function isMdnsCandidate(line: string): boolean {
  return /\.local$/i.test(line.split(' ', 5)[4] ?? '');
}

/** A statistics figure as a finite count >= 0 (RTCP's packetsLost may go negative on duplicates). */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : 0;
}
