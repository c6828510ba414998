/**
 * The browser's figures for the stats overlay over the kernel transport. There is no
 * RTCPeerConnection, so no getStats(): the link measures itself (link-meter.ts) and this turns its
 * reading into the overlay's IBrowserStats, marked `transport: 'kernel'` so the overlay names the
 * transport and leaves out what only RTP has (packets lost, the encoder's quality limitation).
 * The frame stages stay unknown here (the codecs count nothing yet).
 */
import type { ILinkFigures } from './link-meter';
import type { IBrowserStats, IStageFigure } from './rtc-stats';

const UNKNOWN: IStageFigure = { fps: null, total: null };

/** The overlay's browser figures from one reading of the kernel transport's link. */
export function kernelLinkStats(figures: ILinkFigures, dropped: number): IBrowserStats {
  return {
    transport: 'kernel',
    captured: UNKNOWN,
    encoded: UNKNOWN,
    sent: UNKNOWN,
    received: UNKNOWN,
    decoded: UNKNOWN,
    dropped: UNKNOWN,
    encode_ms: null,
    decode_ms: null,
    jitter_ms: null,
    kbps_out: figures.kbps_out,
    kbps_in: figures.kbps_in,
    rtt_ms: figures.rtt_ms,
    lost_out: null,
    loss_out: null,
    lost_in: null,
    quality_limitation: null,
    send_size: null,
    receive_size: null,
    link_dropped: dropped,
  };
}
