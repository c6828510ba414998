/**
 * Lip sync of what we send. The browser lines up our audio and video by the RTCP sender reports
 * (SR), each pairing an RTP timestamp of the track with an NTP time. werift fills them with the
 * time the last packet was SENT, so a track that takes longer to produce (video: transform and
 * encode) would be played that much late against the other. Both our tracks' RTP timestamps come
 * from the frames' capture times (Frame.timestamp, AudioFrame.timestamp: one clock), so we put that
 * capture time in the SR instead: the browser then plays audio and video captured at the same
 * moment together, whatever each took in the kernel.
 */

/** The part of werift's RTCRtpSender the SR is built from (runRtcp reads it every 0.5-1.5 s). */
export interface SenderReportClock {
  ntpTimestamp: bigint;
}

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2208988800;
const TWO_32 = 4294967296;

/** Unix time in ms -> 64-bit NTP (seconds since 1900 . fraction of 2^32). */
export function ntpFromUnixMs(ms: number): bigint {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.min(TWO_32 - 1, Math.round(((ms - seconds * 1000) / 1000) * TWO_32));
  return (BigInt(seconds + NTP_UNIX_OFFSET_S) << 32n) | BigInt(fraction);
}

/**
 * After the packets of a frame captured at `captureMs` went to werift (writeRtp is synchronous up
 * to the point where werift records the packet's RTP timestamp and send time): the SR's NTP is
 * that capture time. werift's round-trip time is measured from its own send clock, not from this.
 */
export function reportCaptureTime(sender: SenderReportClock | undefined, captureMs: number): void {
  if (sender && Number.isFinite(captureMs) && captureMs > 0) sender.ntpTimestamp = ntpFromUnixMs(captureMs);
}
