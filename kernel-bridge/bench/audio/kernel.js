#!/usr/bin/env node
/**
 * Kernel side of bench/audio/run.js, a child process per configuration (its CPU is read from
 * /proc/<pid>/stat, all threads):
 *   echo    a werift peer forwarding the browser's audio RTP straight back (no codecs; the video is
 *           not sent back, as in `kernel`: a returned video would join the audio's sync group
 *           and delay it): the floor set by Chromium's Opus encoder, jitter buffer and playout
 *   kernel  our path: MediaPeer (Opus decode in the worker) -> audio$ -> TransformPipeline with
 *           `audio$ => audio$` -> sendAudio (Opus encode); the video is decoded and dropped
 * IPC: in {t: 'open', config, offer}, {t: 'candidate', candidate}; out {t: 'ready'},
 * {t: 'answer', sdp} | {t: 'error', message}, {t: 'candidate', candidate}, {t: 'stats', audio}.
 */
'use strict';
const path = require('node:path');

const kb = path.resolve(__dirname, '..', '..');
const lib = path.join(kb, 'lib');
const { MediaPeer } = require(path.join(lib, 'rtc'));
const { TransformPipeline, audioOutputCheck } = require(path.join(lib, 'streamer', 'pipeline'));
const werift = require(require.resolve('werift', { paths: [kb] }));

async function openKernel(offer, sendCandidate) {
  const peer = await MediaPeer.create({ iceServers: [], hostAddresses: ['127.0.0.1'] });
  const pipeline = new TransformPipeline(
    {
      output: (frame) => peer.sendAudio(frame),
      error: (e) => process.send({ t: 'error', message: String(e) }),
      recovered: () => undefined,
    },
    audioOutputCheck,
  );
  peer.audio$.subscribe((frame) => pipeline.push(frame));
  peer.localCandidates$.subscribe((c) => sendCandidate(c));
  peer.stats$.subscribe((s) => process.send({ t: 'stats', audio: s.audio }));
  return { answer: await peer.answer(offer), addCandidate: (c) => peer.addRemoteCandidate(c) };
}

async function openEcho(offer, sendCandidate) {
  const pc = new werift.RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    codecs: { audio: [werift.useOPUS()], video: [werift.useVP8()] },
  });
  pc.onIceCandidate.subscribe((c) => sendCandidate(c ? c.toJSON() : null));
  pc.onRemoteTransceiverAdded.subscribe((tr) => {
    if (tr.kind !== 'audio') return void tr.setDirection('recvonly');
    tr.setDirection('sendrecv');
    const out = new werift.MediaStreamTrack({ kind: tr.kind });
    tr.sender.replaceTrack(out).catch(() => undefined);
    tr.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => out.writeRtp(rtp.clone())));
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  return {
    answer: pc.localDescription.sdp,
    addCandidate: (c) => pc.addIceCandidate(c ?? undefined),
  };
}

let session = null;
const early = [];
process.on('message', async (m) => {
  try {
    if (m.t === 'open') {
      const open = m.config === 'echo' ? openEcho : openKernel;
      session = await open(m.offer, (candidate) => process.send({ t: 'candidate', candidate }));
      process.send({ t: 'answer', sdp: session.answer });
      for (const c of early.splice(0)) await session.addCandidate(c).catch(() => undefined);
    } else if (m.t === 'candidate') {
      if (!session) early.push(m.candidate);
      else await session.addCandidate(m.candidate).catch(() => undefined);
    }
  } catch (e) {
    process.send({ t: 'error', message: String(e && e.stack ? e.stack : e) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ t: 'ready' });
