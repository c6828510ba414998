/**
 * What the browser says about the video we send it, read from werift's RTCP for our sender: the
 * loss counters of each receiver report on our SSRC and, when the browser sends one, its REMB
 * (receiver-estimated maximum bitrate). send.ts turns them into the encoder's bitrate (rtc/send-rate.ts).
 * werift itself already answers the browser's NACKs from its send history (retransmits) and turns
 * PLIs into onPictureLossIndication (a keyframe, peer.ts); it only records loss and REMB in fields,
 * so they are picked up here as they arrive.
 */
import type { RtcpPacket, RTCRtpSender } from 'werift';

const werift = require('werift') as typeof import('werift');

export interface SendFeedback {
  /** A receiver report on our stream: packets lost so far, extended highest sequence number received. */
  onReceiverReport: (cumulativeLost: number, highestSeq: number) => void;
  /** The browser's bandwidth estimate for our stream, bit/s. */
  onRemb: (bps: number) => void;
}

/** Listens to `sender`'s RTCP; returns the unsubscribe. */
export function listenToSendFeedback(sender: RTCRtpSender, feedback: SendFeedback): () => void {
  const sub = sender.onRtcp.subscribe((packet: RtcpPacket) => {
    if (packet.type === werift.RtcpRrPacket.type || packet.type === werift.RtcpSrPacket.type) {
      for (const report of (packet as InstanceType<typeof werift.RtcpRrPacket>).reports) {
        if (report.ssrc === sender.ssrc) feedback.onReceiverReport(report.packetsLost, report.highestSequence);
      }
    } else if (packet.type === werift.RtcpPayloadSpecificFeedback.type) {
      const fb = (packet as InstanceType<typeof werift.RtcpPayloadSpecificFeedback>).feedback;
      if (fb.count === werift.ReceiverEstimatedMaxBitrate.count)
        feedback.onRemb(Number((fb as InstanceType<typeof werift.ReceiverEstimatedMaxBitrate>).bitrate));
    }
  });
  return () => sub.unSubscribe();
}
