/**
 * Worker-thread entry of a MediaPeer: owns the werift RTCPeerConnection, the VP8 decoder/encoder and
 * the RTP (de)packetizing, so a busy kernel main thread cannot stall ICE/DTLS or the codecs.
 *
 * Incoming:  track.onReceiveRtp -> JitterBufferCallback -> DepacketizeCallback('vp8')
 *            -> node-av VP8 decode -> I420 copy into a pooled buffer -> transferred to main.
 * Outgoing:  I420 from main -> node-av libvpx (realtime) -> Vp8Payloader (ours) -> track.writeRtp.
 *
 * Flow control (all bounded): at most `maxInFlight` decoded frames are unacknowledged by the main
 * thread; beyond that one decoded frame is held and newer ones replace it (dropped, counted). So
 * while the main thread is busy (a cell computing), the browser keeps showing the last frame the
 * main thread sent back; when it frees up it receives the newest frame, not a backlog.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type {
  RTCPeerConnection as PeerConnection,
  RTCRtpTransceiver,
  MediaStreamTrack as Track,
  RtpPacket as RtpPacketT,
} from 'werift';
import type {
  JitterBufferCallback as JitterT,
  DepacketizeCallback as DepacketizeT,
} from 'werift/lib/webrtc/src/nonstandard';
import { Vp8Decoder, Vp8Encoder, copyAvFrameToI420 } from '../media/codecs';
import { withBitrateHints } from './bitrate-hints';
import { allocI420Buffer, i420Size } from '../media/frame';
import { Vp8Payloader } from '../media/vp8-payloader';
import type { CandidateInit, FromWorker, MediaStats, PeerState, ToWorker, WorkerInit } from './protocol';

const werift = require('werift') as typeof import('werift');
const nonstandard = require('werift/nonstandard') as {
  JitterBufferCallback: typeof JitterT;
  DepacketizeCallback: typeof DepacketizeT;
};

const port = parentPort;
if (!port) throw new Error('peer-worker must run in a worker thread');
const init = workerData as WorkerInit;

const PLI_INTERVAL_MS = 300;
const POOL_CAP = 4;
const STATS_INTERVAL_MS = 1000;

function post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
  port!.postMessage(msg, transfer);
}
function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
function reportError(e: unknown, fatal = false): void {
  post({ t: 'error', message: errorText(e), fatal });
}

// ---- state -------------------------------------------------------------------------------------
let closed = false;
let state: PeerState = 'new';
const pc: PeerConnection = new werift.RTCPeerConnection({
  iceServers: init.iceServers as PeerConnection['config']['iceServers'],
  iceAdditionalHostAddresses: init.hostAddresses,
  codecs: { audio: [], video: [werift.useVP8()] },
});
let videoTransceiver: RTCRtpTransceiver | undefined;
let sendTrack: Track | undefined;
const disposers: (() => void)[] = [];

// decode side
const decoder = new Vp8Decoder(1);
let remoteSsrc: number | undefined;
let lastPli = 0;
let decodedOnce = false;
let rtpTs0: number | undefined;
let rtpTsLast = 0;
let rtpTsHigh = 0; // unwrapped high part (multiples of 2^32)
let wallBase = 0;
let inFlight = 0;
let held: { width: number; height: number; timestamp: number; buffer: ArrayBuffer } | null = null;
const pool: ArrayBuffer[] = [];
let poolSize = 0; // i420 size the pool holds buffers for

// encode side
const encoder = new Vp8Encoder({ bitrate: init.bitrate, threads: init.encoderThreads });
const payloader = new Vp8Payloader(init.maxPayload);
let forceKeyframe = true;
let seq = Math.floor(Math.random() * 0x10000);
let lastOutTs = -1;
const outTsOffset = Math.floor(Math.random() * 0x100000000);

// stats
let framesIn = 0;
let framesOut = 0;
let decodeMs = 0;
let encodeMs = 0;
let dropped = 0;

// ---- helpers -----------------------------------------------------------------------------------
function setState(s: PeerState): void {
  if (state === s || state === 'closed') return;
  state = s;
  post({ t: 'state', state: s });
}

function takeBuffer(width: number, height: number): ArrayBuffer {
  const size = i420Size(width, height);
  if (size !== poolSize) {
    pool.length = 0; // resolution changed: old buffers are the wrong size
    poolSize = size;
  }
  return pool.pop() ?? allocI420Buffer(width, height);
}
function giveBuffer(buf: ArrayBuffer, size: number): void {
  if (size === poolSize && pool.length < POOL_CAP && buf.byteLength >= size) pool.push(buf);
}

function requestKeyframe(): void {
  const now = performance.now();
  if (now - lastPli < PLI_INTERVAL_MS || remoteSsrc === undefined || !videoTransceiver) return;
  lastPli = now;
  videoTransceiver.receiver.sendRtcpPLI(remoteSsrc).catch(() => undefined);
}

/** RTP timestamp (90 kHz, wrapping) -> capture time in ms on this process's wall clock. */
function captureTimeMs(rtpTs: number): number {
  if (rtpTs0 === undefined) {
    rtpTs0 = rtpTs;
    rtpTsLast = rtpTs;
    wallBase = Date.now();
  }
  // unwrap: a backwards jump of more than half the range is a wrap
  if (rtpTs < rtpTsLast && rtpTsLast - rtpTs > 0x80000000) rtpTsHigh += 0x100000000;
  else if (rtpTs > rtpTsLast && rtpTs - rtpTsLast > 0x80000000) rtpTsHigh -= 0x100000000; // reordered across wrap
  rtpTsLast = rtpTs;
  return wallBase + (rtpTsHigh + rtpTs - rtpTs0) / 90;
}

function deliver(width: number, height: number, timestamp: number, buffer: ArrayBuffer): void {
  if (inFlight < init.maxInFlight) {
    inFlight++;
    post({ t: 'frame', width, height, timestamp, buffer }, [buffer]);
    return;
  }
  if (held) {
    dropped++;
    giveBuffer(held.buffer, i420Size(held.width, held.height));
  }
  held = { width, height, timestamp, buffer };
}

function onEncodedFrame(data: Buffer, rtpTimestamp: number): void {
  const t0 = performance.now();
  const timestamp = captureTimeMs(rtpTimestamp);
  let corrupt = false;
  const ret = decoder.decode(data, (f) => {
    const { width, height } = f;
    if (f.decodeErrorFlags) corrupt = true;
    const size = i420Size(width, height);
    const buffer = takeBuffer(width, height);
    copyAvFrameToI420(f, new Uint8Array(buffer, 0, size));
    framesIn++;
    decodedOnce = true;
    deliver(width, height, timestamp, buffer);
  });
  decodeMs += performance.now() - t0;
  if (ret < 0 || corrupt || !decodedOnce) requestKeyframe();
}

function attachReceiver(transceiver: RTCRtpTransceiver, track: Track): void {
  remoteSsrc = track.ssrc;
  const jitter = new nonstandard.JitterBufferCallback(90000, { latency: 50 });
  const depacketizer = new nonstandard.DepacketizeCallback('vp8', {
    isFinalPacketInSequence: (h) => h.marker,
    waitForKeyframe: true,
  });
  depacketizer.onNeedKeyFrame.subscribe(() => requestKeyframe());
  jitter.pipe((o) => {
    if (o.isPacketLost) requestKeyframe();
    depacketizer.input(o);
  });
  depacketizer.pipe((o) => {
    if (!o.frame || closed) return;
    try {
      onEncodedFrame(o.frame.data, o.frame.timestamp as number);
    } catch (e) {
      reportError(e);
      requestKeyframe();
    }
  });
  const sub = track.onReceiveRtp.subscribe((rtp: RtpPacketT) => {
    if (track.ssrc !== undefined) remoteSsrc = track.ssrc;
    // the depacketizer clears the payload of packets it consumes: give it a copy
    jitter.input({ rtp: rtp.clone() });
  });
  disposers.push(() => {
    sub.unSubscribe();
    jitter.destroy();
    depacketizer.destroy();
  });
  requestKeyframe();
  void transceiver;
}

function sendFrame(width: number, height: number, timestamp: number, data: Uint8Array): void {
  if (!sendTrack || state !== 'connected') {
    dropped++;
    return;
  }
  const t0 = performance.now();
  // RTP timestamp from the frame's capture time, strictly increasing
  let ts90 = Math.round(timestamp * 90);
  if (ts90 <= lastOutTs) ts90 = lastOutTs + 1;
  lastOutTs = ts90;
  const key = forceKeyframe;
  forceKeyframe = false;
  const rtpTs = (ts90 + outTsOffset) % 0x100000000;
  const track = sendTrack;
  encoder.encode(data, width, height, ts90, key, (packet) => {
    for (const { payload, marker } of payloader.packetize(packet)) {
      const header = new werift.RtpHeader({
        sequenceNumber: seq,
        timestamp: rtpTs,
        marker,
        payloadType: 96,
      });
      seq = (seq + 1) & 0xffff;
      track.writeRtp(new werift.RtpPacket(header, payload));
    }
  });
  framesOut++;
  encodeMs += performance.now() - t0;
}

// ---- peer events -------------------------------------------------------------------------------
let endOfCandidatesSent = false;
pc.onIceCandidate.subscribe((c) => {
  if (closed || endOfCandidatesSent) return;
  if (!c) {
    endOfCandidatesSent = true;
    post({ t: 'candidate', candidate: null });
    return;
  }
  const j = c.toJSON() as CandidateInit;
  post({
    t: 'candidate',
    candidate: { candidate: j.candidate, sdpMid: j.sdpMid ?? null, sdpMLineIndex: j.sdpMLineIndex ?? null },
  });
});
pc.iceGatheringStateChange.subscribe((s) => {
  // werift signals end of candidates with the gathering state
  if (s === 'complete' && !closed && !endOfCandidatesSent) {
    endOfCandidatesSent = true;
    post({ t: 'candidate', candidate: null });
  }
});
pc.connectionStateChange.subscribe((s) => {
  if (closed) return;
  if (s === 'connected') {
    forceKeyframe = true;
    setState('connected');
  } else if (s === 'connecting' || s === 'disconnected') setState('connecting');
  else if (s === 'failed') setState('failed');
  else if (s === 'closed') setState('closed');
});
pc.onRemoteTransceiverAdded.subscribe((transceiver) => {
  if (transceiver.kind !== 'video' || videoTransceiver) return;
  videoTransceiver = transceiver;
  transceiver.setDirection('sendrecv');
  sendTrack = new werift.MediaStreamTrack({ kind: 'video' });
  transceiver.sender.replaceTrack(sendTrack).catch((e) => reportError(e));
  const pli = transceiver.sender.onPictureLossIndication.subscribe(() => {
    forceKeyframe = true;
  });
  const tr = transceiver.onTrack.subscribe((track) => attachReceiver(transceiver, track));
  disposers.push(() => {
    pli.unSubscribe();
    tr.unSubscribe();
  });
});

// ---- commands ----------------------------------------------------------------------------------
async function answer(sdp: string): Promise<string> {
  if (typeof sdp !== 'string' || !/^v=0/m.test(sdp)) throw new Error('offer is not an SDP (no "v=0" line)');
  if (!/^m=video /m.test(sdp)) throw new Error('offer has no video m-line');
  if (pc.signalingState !== 'stable' || pc.remoteDescription) {
    throw new Error('offer already answered (renegotiation is not supported)');
  }
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp });
  } catch (e) {
    throw new Error(`bad offer: ${errorText(e)}`);
  }
  if (!videoTransceiver) throw new Error('offer has no usable video (VP8) section');
  if (!videoTransceiver.codecs?.some((c) => /vp8/i.test(c.mimeType))) {
    throw new Error('offer does not support VP8');
  }
  const ans = await pc.createAnswer();
  await pc.setLocalDescription(ans);
  setState('connecting');
  return withBitrateHints(pc.localDescription?.sdp ?? ans.sdp);
}

async function addCandidate(c: CandidateInit | null): Promise<void> {
  if (c === null || !c.candidate) {
    await pc.addIceCandidate(undefined);
    return;
  }
  await pc.addIceCandidate({
    candidate: c.candidate,
    sdpMid: c.sdpMid ?? undefined,
    sdpMLineIndex: c.sdpMLineIndex ?? undefined,
  });
}

async function close(): Promise<void> {
  if (closed) return;
  closed = true;
  clearInterval(statsTimer);
  for (const d of disposers.splice(0)) {
    try {
      d();
    } catch {
      /* ignore */
    }
  }
  try {
    await pc.close();
  } catch {
    /* ignore */
  }
  try {
    decoder.close();
    encoder.close();
  } catch {
    /* ignore */
  }
  state = 'closed';
  post({ t: 'state', state: 'closed' });
  post({ t: 'closed' });
}

function reply(id: number, p: Promise<string | void>): void {
  p.then(
    (v) => post({ t: 'reply', id, ok: true, value: typeof v === 'string' ? v : '', error: '' }),
    (e) => post({ t: 'reply', id, ok: false, value: '', error: errorText(e) }),
  );
}

port.on('message', (msg: ToWorker) => {
  try {
    switch (msg.t) {
      case 'frame': {
        const size = i420Size(msg.width, msg.height);
        if (!closed) {
          try {
            sendFrame(msg.width, msg.height, msg.timestamp, new Uint8Array(msg.buffer, 0, size));
          } catch (e) {
            reportError(e);
          }
        }
        if (msg.give) {
          giveBuffer(msg.buffer, size);
          post({ t: 'sent', buffer: null });
        } else {
          post({ t: 'sent', buffer: msg.buffer }, [msg.buffer]);
        }
        break;
      }
      case 'ack':
        inFlight = Math.max(0, inFlight - 1);
        if (held && inFlight < init.maxInFlight) {
          const h = held;
          held = null;
          inFlight++;
          post({ t: 'frame', width: h.width, height: h.height, timestamp: h.timestamp, buffer: h.buffer }, [h.buffer]);
        }
        break;
      case 'answer':
        reply(msg.id, answer(msg.sdp));
        break;
      case 'candidate':
        reply(msg.id, addCandidate(msg.candidate));
        break;
      case 'close':
        void close();
        break;
    }
  } catch (e) {
    reportError(e);
  }
});

const statsTimer = setInterval(() => {
  const stats: MediaStats = {
    fps_in: framesIn,
    fps_out: framesOut,
    dropped,
    decode_ms: framesIn ? decodeMs / framesIn : 0,
    encode_ms: framesOut ? encodeMs / framesOut : 0,
  };
  framesIn = framesOut = 0;
  decodeMs = encodeMs = 0;
  post({ t: 'stats', stats });
}, STATS_INTERVAL_MS);

process.on('unhandledRejection', (e) => reportError(e));

post({ t: 'ready' });
