/**
 * The RTP echo of the WebRTC benches (g2g/kernel.js, page/echo-process.js): a minimal werift peer
 * that forwards the browser's RTP straight back (no codecs; werift rewrites SSRC/PT/seq offset on
 * send) and the browser's PLIs back to the browser. It is the same-run floor set by Chromium's
 * encoder, jitter buffers and decoder, with the same bitrate hints in the answer as our pipeline's.
 */
'use strict';
const path = require('node:path');

const kb = path.resolve(__dirname, '..', '..');
const { withBitrateHints } = require(path.join(kb, 'lib', 'rtc', 'bitrate-hints'));
const { TwccFeedback } = require(path.join(kb, 'lib', 'rtc', 'worker', 'twcc-feedback'));
const werift = require(require.resolve('werift', { paths: [kb] }));

/**
 * Answers `offerSdp`; sendCandidate(candidateInit | null) gets the local candidates; onRtp() is
 * called on every forwarded packet. twcc (default on, as in the product's worker): transport-cc
 * feedback on the browser's packets, by the product's TwccFeedback in place of werift's own (see
 * src/rtc/worker/twcc-feedback.ts), so Chromium's send-side bandwidth estimate adapts to the link.
 * Resolves to {answer, addCandidate, close, timeline, details}.
 */
async function openEcho(offerSdp, sendCandidate, { twcc = true, onRtp = () => undefined } = {}) {
  const pc = new werift.RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    codecs: {
      audio: [],
      video: [
        twcc
          ? werift.useVP8({ rtcpFeedback: [werift.useNACK(), werift.usePLI(), werift.useREMB(), werift.useTWCC()] })
          : werift.useVP8(),
      ],
    },
    ...(twcc ? { headerExtensions: { audio: [], video: [werift.useTransportWideCC()] } } : {}),
  });
  const t = { created: performance.now() };
  pc.onIceCandidate.subscribe((c) => sendCandidate(c ? c.toJSON() : null));
  pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && sendCandidate(null));
  pc.connectionStateChange.subscribe((s) => s === 'connected' && (t.connected ??= performance.now()));
  let packets = 0;
  const feedbacks = [];
  pc.onRemoteTransceiverAdded.subscribe((tr) => {
    if (tr.kind !== 'video') return;
    tr.setDirection('sendrecv');
    if (twcc) {
      const receiver = tr.receiver;
      feedbacks.push(
        (receiver.receiverTWCC = new TwccFeedback({
          send: (packet) => void receiver.dtlsTransport?.sendRtcp([{ serialize: () => packet }]).catch(() => 0),
          senderSsrc: () => receiver.rtcpSsrc,
          mediaSsrc: () => ssrc ?? 0,
        })),
      );
    }
    const out = new werift.MediaStreamTrack({ kind: 'video' });
    tr.sender.replaceTrack(out).catch(() => undefined);
    let ssrc;
    tr.sender.onPictureLossIndication.subscribe(() => {
      if (ssrc !== undefined) tr.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
    });
    tr.onTrack.subscribe((track) => {
      ssrc = track.ssrc;
      track.onReceiveRtp.subscribe((rtp) => {
        if (track.ssrc !== undefined) ssrc = track.ssrc;
        t.firstRtp ??= performance.now();
        onRtp();
        packets++;
        const p = rtp.clone();
        p.header.extensions = []; // the sender adds its own
        out.writeRtp(p);
      });
    });
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  await pc.setLocalDescription(await pc.createAnswer());
  t.answered = performance.now();
  return {
    answer: withBitrateHints(pc.localDescription.sdp),
    addCandidate: (c) => pc.addIceCandidate(c ?? undefined),
    close: () => {
      feedbacks.forEach((f) => f.stop());
      return pc.close();
    },
    timeline: t,
    details: () => ({ rtp_packets: packets }),
  };
}

module.exports = { openEcho };
