/**
 * werift sends no bandwidth estimate (no REMB/transport-cc feedback), so Chrome's sender stays at
 * its cautious starting bitrate (~0.5 Mbit/s) for many seconds and delivers fewer frames than it
 * captures. Chrome reads `x-google-*-bitrate` (kbit/s) from the VP8 fmtp of the answer it gets:
 * these hints let it start, and stay, at a bitrate that carries 30 fps. Written by hand: it is a
 * few lines of SDP text, and no SDP library here adds vendor fmtp parameters.
 */
export interface BitrateHints {
  startKbps: number;
  minKbps: number;
  maxKbps: number;
}

const DEFAULT_BITRATE_HINTS: BitrateHints = { startKbps: 1500, minKbps: 600, maxKbps: 5000 };

export function withBitrateHints(sdp: string, hints: BitrateHints = DEFAULT_BITRATE_HINTS): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const vp8Types = new Set(
    lines.map((line) => /^a=rtpmap:(\d+) VP8\/90000/i.exec(line)?.[1]).filter((pt): pt is string => pt !== undefined),
  );
  const params = `x-google-start-bitrate=${hints.startKbps};x-google-min-bitrate=${hints.minKbps};x-google-max-bitrate=${hints.maxKbps}`;
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
