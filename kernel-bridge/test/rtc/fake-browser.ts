/**
 * A werift peer standing in for the browser: offers one VP8 video transceiver (sendrecv unless
 * told sendonly or recvonly, as the widget's modes offer it), sends
 * synthetic I420 frames (node-av encoder + our payloader) and decodes what comes back.
 * Loopback only: no ICE servers, host candidates on 127.0.0.1.
 */
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  useOPUS,
  usePCMU,
  useVP8,
  type RTCRtpTransceiver,
} from 'werift';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { Vp8Decoder, Vp8Encoder } from '../../src/media/codecs';
import { copyAvFrameToI420 } from '../../src/media/codecs';
import { i420Size } from '../../src/media/frame';
import type { MediaPeer } from '../../src/rtc';
import { PLAYOUT_DELAY_URI } from '../../src/rtc/playout-delay';
import { Vp8Payloader } from '../../src/rtc/vp8-payloader';

const { JitterBufferCallback, DepacketizeCallback } = require('werift/nonstandard');

export interface Decoded {
  width: number;
  height: number;
  data: Uint8Array;
  /** Size of the encoded (VP8) frame it was decoded from, bytes. */
  encodedBytes: number;
}

export interface FakeBrowserOptions {
  /** Also offer a sendrecv microphone transceiver with this codec (fake-microphone.ts sends on it). */
  audio?: 'opus' | 'pcmu';
  /** The browser's side of the stream (its offer's direction), for both transceivers; default sendrecv. */
  direction?: 'sendrecv' | 'sendonly' | 'recvonly';
}

export class FakeBrowser {
  readonly pc: RTCPeerConnection;
  /** The microphone transceiver, when `audio` was asked for. */
  readonly audioTransceiver: RTCRtpTransceiver | null = null;
  readonly audioTrack = new MediaStreamTrack({ kind: 'audio' });
  /** RTP packets received, and the playout-delay payloads (hex) they carried, with their counts. */
  packetsReceived = 0;
  readonly playoutDelays = new Map<string, number>();
  readonly track = new MediaStreamTrack({ kind: 'video' });
  readonly transceiver: RTCRtpTransceiver;
  readonly received: Decoded[] = [];
  onDecoded: ((d: Decoded) => void) | null = null;
  plisReceived = 0;
  private readonly encoder = new Vp8Encoder({ threads: 1 });
  private readonly decoder = new Vp8Decoder();
  private readonly payloader = new Vp8Payloader();
  private seq = 1000;
  private forceKey = true;

  constructor(options: FakeBrowserOptions = {}) {
    const direction = options.direction ?? 'sendrecv';
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceUseIpv6: false,
      // one transport for both m-lines: werift leaves the unused second one's socket open on close
      ...(options.audio ? { bundlePolicy: 'max-bundle' as const } : {}),
      codecs: { audio: options.audio === 'pcmu' ? [usePCMU()] : [useOPUS()], video: [useVP8()] },
      // offered as Chrome offers it (werift numbers the ids itself)
      headerExtensions: { audio: [], video: [{ id: 0, uri: PLAYOUT_DELAY_URI }] },
    });
    this.transceiver =
      direction === 'recvonly'
        ? this.pc.addTransceiver('video', { direction })
        : this.pc.addTransceiver(this.track, { direction });
    if (options.audio) {
      this.audioTransceiver =
        direction === 'recvonly'
          ? this.pc.addTransceiver('audio', { direction })
          : this.pc.addTransceiver(this.audioTrack, { direction });
    }
    this.transceiver.sender.onPictureLossIndication.subscribe(() => {
      this.plisReceived++;
      this.forceKey = true;
    });
    this.transceiver.onTrack.subscribe((remote) => {
      const jitter = new JitterBufferCallback(90000, { latency: 50 });
      const dep = new DepacketizeCallback('vp8', { isFinalPacketInSequence: (h: RtpHeader) => h.marker });
      jitter.pipe((o: unknown) => dep.input(o));
      dep.pipe((o: { frame?: { data: Buffer } }) => {
        if (!o.frame) return;
        const encodedBytes = o.frame.data.length;
        const ret = this.decoder.decode(o.frame.data, (f) => {
          const data = new Uint8Array(i420Size(f.width, f.height));
          copyAvFrameToI420(f, data);
          const d = { width: f.width, height: f.height, data, encodedBytes };
          this.received.push(d);
          this.onDecoded?.(d);
        });
        if (ret < 0 && remote.ssrc !== undefined) this.transceiver.receiver.sendRtcpPLI(remote.ssrc).catch(() => 0);
      });
      remote.onReceiveRtp.subscribe((rtp: RtpPacket) => {
        this.packetsReceived++;
        const id = this.transceiver.headerExtensions.find((e) => e.uri === PLAYOUT_DELAY_URI)?.id;
        const delay = rtp.header.extensions.find((e) => e.id === id)?.payload.toString('hex');
        if (delay !== undefined) this.playoutDelays.set(delay, (this.playoutDelays.get(delay) ?? 0) + 1);
        jitter.input({ rtp: rtp.clone() });
      });
    });
  }

  async createOffer(): Promise<string> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    return this.pc.localDescription!.sdp;
  }

  /** Encodes and sends one I420 frame. */
  sendFrame(i420: Uint8Array, width: number, height: number, timeMs: number): void {
    const ts = Math.round(timeMs * 90) >>> 0;
    const key = this.forceKey;
    this.forceKey = false;
    this.encoder.encode(i420, width, height, ts, key, (pkt) => {
      for (const { payload, marker } of this.payloader.packetize(pkt)) {
        const header = new RtpHeader({ sequenceNumber: this.seq, timestamp: ts, marker, payloadType: 96 });
        this.seq = (this.seq + 1) & 0xffff;
        this.track.writeRtp(new RtpPacket(header, payload));
      }
    });
  }

  /**
   * The browser vanishes without a word (tab killed, machine asleep): its sockets neither send nor
   * receive any more, and no DTLS close or RTCP BYE goes out. close() still cleans up afterwards.
   */
  vanish(): void {
    for (const ice of this.pc.iceTransports) {
      const protocols = (
        ice.connection as unknown as {
          protocols: { transport?: { send: unknown; socket: { removeAllListeners(e: string): void } } }[];
        }
      ).protocols;
      for (const { transport } of protocols) {
        if (!transport) continue;
        transport.send = async () => undefined;
        transport.socket.removeAllListeners('message');
      }
    }
  }

  async close(): Promise<void> {
    await this.pc.close();
    this.encoder.close();
    this.decoder.close();
  }
}

/**
 * Connects `browser` to `peer` as the widget does: trickle ICE both ways, the browser's offer, the
 * peer's answer; resolves with the answer once the peer is connected (at most 15 s).
 */
export async function connectToPeer(peer: MediaPeer, browser: FakeBrowser): Promise<string> {
  browser.pc.onIceCandidate.subscribe((c) => {
    if (c) peer.addRemoteCandidate(c.toJSON()).catch(() => undefined);
  });
  peer.localCandidates$.subscribe((c) => {
    if (c) browser.pc.addIceCandidate(c as never).catch(() => undefined);
  });
  const answer = await peer.answer(await browser.createOffer());
  await browser.pc.setRemoteDescription({ type: 'answer', sdp: answer });
  await firstValueFrom(
    peer.state$.pipe(
      filter((s) => s === 'connected'),
      timeout(15000),
    ),
  );
  return answer;
}
