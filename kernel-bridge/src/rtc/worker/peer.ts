/**
 * The werift RTCPeerConnection and its signalling: the answer to the browser's offer, ICE candidates
 * both ways, the connection state, and the one video transceiver (sendrecv: the browser's camera in,
 * the transformed frames out). It runs in the worker so a busy kernel main thread cannot stall
 * ICE/DTLS. Media itself is receive.ts / send.ts; this file only tells them where to read and write.
 */
import type { RTCPeerConnection as PeerConnection, RTCRtpTransceiver, MediaStreamTrack as Track } from 'werift';
import { errorMessage } from '../../errors';
import { withBitrateHints } from '../bitrate-hints';
import type { CandidateInit, FromWorker, PeerState, WorkerInit } from '../protocol';
import { Cleanup } from './cleanup';
import type { RtpOut } from './send';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const werift = require('werift') as typeof import('werift');

export interface PeerEvents {
  post: (msg: FromWorker) => void;
  onError: (e: unknown) => void;
  /** The browser's video track arrived; `sendPli` asks the browser for a keyframe. */
  onRemoteTrack: (track: Track, sendPli: (ssrc: number) => Promise<void>) => void;
  /** The next frame we send must be a keyframe (connected, or the browser sent a PLI). */
  onKeyframeWanted: () => void;
}

const isVp8 = (mimeType: string) => /vp8/i.test(mimeType);

export class Peer {
  private readonly pc: PeerConnection;
  private state: PeerState = 'new';
  private closed = false;
  private endOfCandidatesSent = false;
  private video: RTCRtpTransceiver | undefined;
  private sendTrack: Track | undefined;
  private payloadType: number | undefined;
  private readonly cleanup = new Cleanup();

  constructor(
    init: Pick<WorkerInit, 'iceServers' | 'hostAddresses'>,
    private readonly events: PeerEvents,
  ) {
    this.pc = new werift.RTCPeerConnection({
      iceServers: init.iceServers as PeerConnection['config']['iceServers'],
      iceAdditionalHostAddresses: init.hostAddresses,
      codecs: { audio: [], video: [werift.useVP8()] },
    });
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
          this.setState('connected');
        } else if (s === 'connecting' || s === 'disconnected') this.setState('connecting');
        else if (s === 'failed') this.setState('failed');
        else if (s === 'closed') this.setState('closed');
      }),
      this.pc.onRemoteTransceiverAdded.subscribe((t) => this.addVideo(t)),
    ];
    this.cleanup.add(() => subs.forEach((s) => s.unSubscribe()));
  }

  /** Where to write encoded frames, once connected and negotiated. */
  get rtpOut(): RtpOut | undefined {
    if (this.state !== 'connected' || !this.sendTrack || this.payloadType === undefined) return undefined;
    return { track: this.sendTrack, payloadType: this.payloadType };
  }

  /** Applies the browser's offer; resolves with our answer SDP (with bitrate hints). */
  async answer(sdp: string): Promise<string> {
    if (typeof sdp !== 'string' || !/^v=0/m.test(sdp)) throw new Error('offer is not an SDP (no "v=0" line)');
    if (!/^m=video /m.test(sdp)) throw new Error('offer has no video m-line');
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
    const ans = await this.pc.createAnswer();
    await this.pc.setLocalDescription(ans);
    // the payload type the browser offered for VP8 (the answer reuses the offer's numbers)
    this.payloadType = (this.video.codecs.find((c) => isVp8(c.mimeType)) ?? vp8).payloadType;
    this.setState('connecting');
    return withBitrateHints(this.pc.localDescription?.sdp ?? ans.sdp);
  }

  async addCandidate(c: CandidateInit | null): Promise<void> {
    if (c === null || !c.candidate) {
      await this.pc.addIceCandidate(undefined);
      return;
    }
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
    transceiver.setDirection('sendrecv');
    this.sendTrack = new werift.MediaStreamTrack({ kind: 'video' });
    transceiver.sender.replaceTrack(this.sendTrack).catch((e) => this.events.onError(e));
    const pli = transceiver.sender.onPictureLossIndication.subscribe(() => this.events.onKeyframeWanted());
    const track = transceiver.onTrack.subscribe((t) =>
      this.events.onRemoteTrack(t, (ssrc) => transceiver.receiver.sendRtcpPLI(ssrc)),
    );
    this.cleanup.add(() => {
      pli.unSubscribe();
      track.unSubscribe();
    });
  }

  private endOfCandidates(): void {
    if (this.closed || this.endOfCandidatesSent) return;
    this.endOfCandidatesSent = true;
    this.events.post({ t: 'candidate', candidate: null });
  }

  private setState(s: PeerState): void {
    if (this.state === s || this.state === 'closed') return;
    this.state = s;
    this.events.post({ t: 'state', state: s });
  }
}
