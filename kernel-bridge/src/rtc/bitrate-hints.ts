/**
 * Chrome reads `x-google-*-bitrate` (kbit/s) from the VP8 fmtp of the answer it gets. The kernel's
 * peer sends transport-wide congestion control feedback (worker/peer.ts), so Chrome's send-side
 * bandwidth estimate adapts the camera's rate to the link by itself; the hints only say where it
 * starts and where it stops:
 * - start 1500: Chrome's own start (300 kbit/s) takes seconds of probing to carry 640x480 at 30 fps;
 *   on a link that cannot carry 1.5 Mbit/s the estimate falls within the first feedback intervals.
 * - max 5000: more only costs the kernel decode time (a 1080p camera) and buys nothing the pipeline
 *   keeps.
 * - no min: a floor (this file used to put 600 kbit/s) stops Chrome backing off exactly on the slow
 *   links where deployments live (TURN, remote hosts), turning congestion into loss and freezes.
 * Written by hand: it is a few lines of SDP text, and no SDP library here adds vendor fmtp parameters.
 */
export interface BitrateHints {
  startKbps: number;
  maxKbps: number;
}

const DEFAULT_BITRATE_HINTS: BitrateHints = { startKbps: 1500, maxKbps: 5000 };

export function withBitrateHints(sdp: string, hints: BitrateHints = DEFAULT_BITRATE_HINTS): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const vp8Types = new Set(
    lines.map((line) => /^a=rtpmap:(\d+) VP8\/90000/i.exec(line)?.[1]).filter((pt): pt is string => pt !== undefined),
  );
  const params = `x-google-start-bitrate=${hints.startKbps};x-google-max-bitrate=${hints.maxKbps}`;
  const withFmtp = new Set<string>();
  const out = lines.map((line) => {
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (!fmtp || !vp8Types.has(fmtp[1])) return line;
    withFmtp.add(fmtp[1]);
    return `a=fmtp:${fmtp[1]} ${fmtp[2]};${params}`;
  });
  const result: string[] = [];
  for (const line of out) {
    result.push(line);
    const pt = /^a=rtpmap:(\d+) VP8\/90000/i.exec(line)?.[1];
    if (pt && !withFmtp.has(pt)) result.push(`a=fmtp:${pt} ${params}`);
  }
  return result.join(eol);
}
