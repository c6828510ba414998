/**
 * The browser's half of the frame accounting (issue 9): what RTCPeerConnection.getStats() says
 * about the camera's frames on their way to the kernel and the kernel's frames on their way back.
 * Pure functions, apart from the DOM and the peer connection, so they are tested with fake reports:
 * parseRtcStats() reads one report into cumulative figures, browserStats() turns two readings into
 * rates and per-frame times.
 */

/** What we read of an RTCStatsReport (a Map of stats by id). */
export interface IStatsReportLike {
  forEach(callback: (stat: unknown) => void): void;
}

/** One reading of the cumulative figures (null: the browser does not report it, or not yet). */
export interface IRtcStatsSample {
  /** When the report was taken, ms (its stats' `timestamp`). */
  at: number;
  // camera → kernel: media-source, outbound-rtp, remote-inbound-rtp
  captured: number | null;
  encoded: number | null;
  sent: number | null;
  encodeSeconds: number | null;
  bytesSent: number | null;
  qualityLimitation: string | null;
  sendWidth: number | null;
  sendHeight: number | null;
  rttSeconds: number | null;
  lostOut: number | null;
  fractionLostOut: number | null;
  // kernel → browser: inbound-rtp
  received: number | null;
  decoded: number | null;
  dropped: number | null;
  decodeSeconds: number | null;
  jitterSeconds: number | null;
  jitterEmitted: number | null;
  bytesReceived: number | null;
  lostIn: number | null;
  receiveWidth: number | null;
  receiveHeight: number | null;
}

type Stat = Record<string, unknown>;

/** A figure as reported, or null when missing or not a finite number (negatives kept: packetsLost may be). */
function num(stat: Stat | undefined, key: string): number | null {
  const value = stat?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function text(stat: Stat | undefined, key: string): string | null {
  const value = stat?.[key];
  return typeof value === 'string' ? value : null;
}

/** The first video stat of each type we read (one sendrecv video transceiver: there is one of each). */
function videoStats(report: IStatsReportLike): Partial<Record<string, Stat>> {
  const byType: Partial<Record<string, Stat>> = {};
  report.forEach((value) => {
    const stat = value as Stat;
    if (typeof stat !== 'object' || stat === null || typeof stat.type !== 'string') {
      return;
    }
    const kind = stat.kind ?? stat.mediaType;
    if (kind !== undefined && kind !== 'video') {
      return;
    }
    byType[stat.type] ??= stat;
  });
  return byType;
}

/** Reads one getStats() report; `now` is used when the stats carry no timestamp. */
export function parseRtcStats(report: IStatsReportLike, now: number): IRtcStatsSample {
  const {
    'media-source': source,
    'outbound-rtp': out,
    'remote-inbound-rtp': remote,
    'inbound-rtp': inbound,
  } = videoStats(report);
  return {
    at: num(out, 'timestamp') ?? num(inbound, 'timestamp') ?? now,
    captured: num(source, 'frames'),
    encoded: num(out, 'framesEncoded'),
    sent: num(out, 'framesSent'),
    encodeSeconds: num(out, 'totalEncodeTime'),
    bytesSent: num(out, 'bytesSent'),
    qualityLimitation: text(out, 'qualityLimitationReason'),
    sendWidth: num(out, 'frameWidth'),
    sendHeight: num(out, 'frameHeight'),
    rttSeconds: num(remote, 'roundTripTime'),
    lostOut: num(remote, 'packetsLost'),
    fractionLostOut: num(remote, 'fractionLost'),
    received: num(inbound, 'framesReceived'),
    decoded: num(inbound, 'framesDecoded'),
    dropped: num(inbound, 'framesDropped'),
    decodeSeconds: num(inbound, 'totalDecodeTime'),
    jitterSeconds: num(inbound, 'jitterBufferDelay'),
    jitterEmitted: num(inbound, 'jitterBufferEmittedCount'),
    bytesReceived: num(inbound, 'bytesReceived'),
    lostIn: num(inbound, 'packetsLost'),
    receiveWidth: num(inbound, 'frameWidth'),
    receiveHeight: num(inbound, 'frameHeight'),
  };
}

/** A stage's frames per second over the last interval, and its total since the session started. */
export interface IStageFigure {
  fps: number | null;
  total: number | null;
}

/** The browser's figures as the overlay shows them (null: not reported). */
export interface IBrowserStats {
  captured: IStageFigure;
  encoded: IStageFigure;
  sent: IStageFigure;
  received: IStageFigure;
  decoded: IStageFigure;
  dropped: IStageFigure;
  /** Mean per frame over the last interval, ms. */
  encode_ms: number | null;
  decode_ms: number | null;
  /** Mean time a frame waited in the jitter buffer over the last interval, ms. */
  jitter_ms: number | null;
  kbps_out: number | null;
  kbps_in: number | null;
  rtt_ms: number | null;
  /** Packets to the kernel lost (the kernel's receiver reports), and the last report's fraction. */
  lost_out: number | null;
  loss_out: number | null;
  /** Packets from the kernel lost. */
  lost_in: number | null;
  /** Why the browser's encoder sends less than asked: "none", "cpu", "bandwidth" or "other". */
  quality_limitation: string | null;
  send_size: string | null;
  receive_size: string | null;
  /** The kernel transport's figures (kernel-link-stats.ts) rather than getStats()'s; absent over WebRTC. */
  transport?: 'kernel';
  /** Kernel transport: camera frames dropped for lack of the kernel's credit or too large, since the session started. */
  link_dropped?: number;
}

/** The growth of a cumulative figure per second; null without two readings. */
export function rate(now: number | null, before: number | null | undefined, seconds: number): number | null {
  if (now === null || before === null || before === undefined || seconds <= 0) {
    return null;
  }
  return Math.max(0, (now - before) / seconds);
}

/** d(numerator) / d(denominator) over the interval, in ms; null when no frame passed. */
function perFrameMs(
  seconds: [number | null, number | null | undefined],
  frames: [number | null, number | null | undefined],
): number | null {
  const [s1, s0] = seconds;
  const [f1, f0] = frames;
  if (s1 === null || s0 === null || s0 === undefined || f1 === null || f0 === null || f0 === undefined) {
    return null;
  }
  return f1 > f0 ? ((s1 - s0) * 1000) / (f1 - f0) : null;
}

function size(width: number | null, height: number | null): string | null {
  return width !== null && height !== null ? `${width}×${height}` : null;
}

/** The overlay's browser figures from this reading and the one before (null: the first). */
export function browserStats(now: IRtcStatsSample, before: IRtcStatsSample | null): IBrowserStats {
  const seconds = before ? (now.at - before.at) / 1000 : 0;
  const stage = (key: 'captured' | 'encoded' | 'sent' | 'received' | 'decoded' | 'dropped'): IStageFigure => ({
    fps: rate(now[key], before?.[key], seconds),
    total: now[key],
  });
  const kbps = (bytes: number | null, previous: number | null | undefined) => {
    const perSecond = rate(bytes, previous, seconds);
    return perSecond === null ? null : (perSecond * 8) / 1000;
  };
  return {
    captured: stage('captured'),
    encoded: stage('encoded'),
    sent: stage('sent'),
    received: stage('received'),
    decoded: stage('decoded'),
    dropped: stage('dropped'),
    encode_ms: perFrameMs([now.encodeSeconds, before?.encodeSeconds], [now.encoded, before?.encoded]),
    decode_ms: perFrameMs([now.decodeSeconds, before?.decodeSeconds], [now.decoded, before?.decoded]),
    jitter_ms: perFrameMs([now.jitterSeconds, before?.jitterSeconds], [now.jitterEmitted, before?.jitterEmitted]),
    kbps_out: kbps(now.bytesSent, before?.bytesSent),
    kbps_in: kbps(now.bytesReceived, before?.bytesReceived),
    rtt_ms: now.rttSeconds === null ? null : now.rttSeconds * 1000,
    lost_out: now.lostOut === null ? null : Math.max(0, now.lostOut),
    loss_out: now.fractionLostOut,
    lost_in: now.lostIn === null ? null : Math.max(0, now.lostIn),
    quality_limitation: now.qualityLimitation,
    send_size: size(now.sendWidth, now.sendHeight),
    receive_size: size(now.receiveWidth, now.receiveHeight),
  };
}
