/**
 * The playout-delay RTP header extension (http://www.webrtc.org/experiments/rtp-hdrext/playout-delay),
 * which a sender uses to tell Chrome how long it may hold frames before showing them. Our frames
 * reach the browser less evenly than a camera's (the kernel decodes, transforms and encodes each
 * one), so Chrome's jitter buffer grew to 60-140 ms at 1280x720 against 7-9 ms for the same camera
 * echoed straight back (bench/page): min = max = 0 asks it to show each frame as soon as it is
 * decoded, which is what a live view of processed video wants. Browsers that do not offer the
 * extension simply do not get it. Written by hand: werift negotiates extensions by URI but
 * serializes only the ones it sends itself (mid, stream ids, transport-cc, abs-send-time).
 */
export const PLAYOUT_DELAY_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay';

/** The extension's 3 bytes: 12-bit minimum and 12-bit maximum delay, in units of 10 ms (RFC-style draft). */
export function playoutDelayPayload(minMs: number, maxMs: number): Buffer {
  const unit = (ms: number): number => Math.min(0xfff, Math.max(0, Math.round(ms / 10)));
  const min = unit(minMs);
  const max = Math.max(min, unit(maxMs));
  return Buffer.from([min >> 4, ((min & 0xf) << 4) | (max >> 8), max & 0xff]);
}
