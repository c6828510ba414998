/**
 * Worker-thread entry of a MediaPeer (the script media-peer.ts starts: lib/rtc/worker/main.js). The
 * worker owns the werift RTCPeerConnection, the VP8 decoder/encoder and the RTP (de)packetizing, so
 * a busy kernel main thread cannot stall ICE/DTLS or the codecs.
 *
 * This file only wires the jobs together and dispatches the main thread's messages (protocol.ts):
 *   peer.ts     werift peer: answer, ICE candidates, state, the video transceiver
 *   receive.ts  RTP -> jitter -> depacketize -> decode -> newest frame to the main thread
 *   send.ts     frame from the main thread -> encode -> packetize -> RTP
 *   stats.ts    counters, ~1 Hz 'stats'
 *   record.ts   recordings of the input and the output (record_start / record_stop), finalised on close
 *   audio-receive.ts / audio-send.ts   the same for Opus audio (audio.ts dispatches to them)
 * Pixel buffers cycle through one I420BufferPool: decode takes from it, and frames the main thread
 * gives away (send(frame, {transfer: true})) and held frames that were replaced go back into it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../../errors';
import { I420BufferPool } from '../../media/buffer-pool';
import { i420Size } from '../../media/frame';
import { checkEncoderCaps, type FromWorker, type ToWorker, type WorkerInit } from '../protocol';
import { Peer } from './peer';
import { Recorders } from './record';
import { Receiver } from './receive';
import { AudioPath } from './audio';
import type { AudioChunkOut } from './audio-send';
import { ChunkClock } from './chunk-clock';
import { Sender, type ChunkOut } from './send';
import { WorkerStats } from './stats';

/** Spare decode buffers: one in flight to main, one held, one decoding, one coming back. */
const POOL_CAP = 4;

const port = parentPort;
if (!port) throw new Error('rtc/worker/main must run in a worker thread');
const init = workerData as WorkerInit;

const post = (msg: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(msg, transfer);
const reportError = (e: unknown, fatal = false): void => post({ t: 'error', message: errorMessage(e), fatal });

const stats = new WorkerStats();
const pool = new I420BufferPool(POOL_CAP);
const recorders: Recorders = new Recorders({
  post,
  wantInputKeyframe: () => receiver.requestKeyframe(),
  wantOutputKeyframe: () => sender.forceKeyframe(),
});
const receiver: Receiver = new Receiver({
  post,
  onError: reportError,
  pool,
  stats,
  maxInFlight: init.maxInFlight,
  jitterLatencyMs: init.jitterLatencyMs,
  recorders,
});
const sender = new Sender({
  bitrate: init.bitrate,
  encoderThreads: init.encoderThreads,
  maxPayload: init.maxPayload,
  stats,
  recorders,
  onRtpMapping: ({ offset, shift }) => post({ t: 'rtp_mapping', offset, shift }),
});
const audio = new AudioPath({ post, onError: reportError, stats });
audio.onInput = (frame) => recorders.inputAudio(frame);
audio.onOutput = (frame) => recorders.outputAudio(frame);
const peer = new Peer(init, {
  post,
  onError: reportError,
  onRemoteTrack: (track, sendPli) => receiver.attach(track, sendPli),
  onRemoteAudio: (track, payloadType) => audio.attach(track, payloadType),
  onKeyframeWanted: () => sender.forceKeyframe(),
  sendFeedback: sender.feedback,
});

let closed = false;
/** Kernel transport ('use_chunks'): encoded frames go to the main thread, not to RTP. */
let chunkOut: ChunkOut | undefined;

/** Kernel transport: the browser's capture times of its frames and audio packets, on one clock here. */
const chunkClock = new ChunkClock();

/** Kernel transport with the browser playing audio ('use_audio_chunks'): Opus packets go to the main thread, not to RTP. */
let audioChunkOut: AudioChunkOut | undefined;

/** One Opus packet for the browser over the kernel transport: copied out (node-av reuses the packet) and transferred. */
function postAudioChunk(packet: Buffer, timestamp: number): void {
  const buffer = new ArrayBuffer(packet.byteLength);
  new Uint8Array(buffer).set(packet);
  post({ t: 'audio_chunk_out', buffer, timestamp }, [buffer]);
}

/** One encoded frame for the browser over the kernel transport: copied out (the packet's memory may be pooled) and transferred. */
function postChunk(frame: Buffer, timestamp: number, key: boolean): void {
  const buffer = new ArrayBuffer(frame.byteLength);
  new Uint8Array(buffer).set(frame);
  post({ t: 'chunk_out', buffer, timestamp, key }, [buffer]);
}

/** Encodes and sends a frame from the main thread (dropped unless connected), then returns or keeps its buffer. */
function onFrame(msg: Extract<ToWorker, { t: 'frame' }>): void {
  const size = i420Size(msg.width, msg.height);
  const out = closed ? undefined : (chunkOut ?? peer.rtpOut);
  if (!out) stats.dropped_send++;
  else if (sender.admit()) {
    try {
      sender.send(msg.width, msg.height, msg.timestamp, new Uint8Array(msg.buffer, 0, size), out);
    } catch (e) {
      reportError(e);
    }
  }
  if (msg.give) {
    pool.give(msg.buffer);
    post({ t: 'sent', buffer: null });
  } else {
    post({ t: 'sent', buffer: msg.buffer }, [msg.buffer]);
  }
}

async function close(): Promise<void> {
  if (closed) return;
  closed = true;
  stats.stop();
  // trailers first: nothing after this may leave a recording unfinished
  recorders.closeAll();
  receiver.close();
  audio.close();
  await peer.close();
  for (const release of [() => sender.close(), () => pool.clear()]) {
    try {
      release();
    } catch (e) {
      reportError(e);
    }
  }
  post({ t: 'state', state: 'closed' });
  post({ t: 'closed' });
}

function reply(id: number, p: Promise<string | void>): void {
  p.then(
    (v) => post({ t: 'reply', id, ok: true, value: typeof v === 'string' ? v : '', error: '' }),
    (e) => post({ t: 'reply', id, ok: false, value: '', error: errorMessage(e) }),
  );
}

port.on('message', (msg: ToWorker) => {
  try {
    switch (msg.t) {
      case 'frame':
        onFrame(msg);
        break;
      case 'ack':
        receiver.ack();
        break;
      case 'audio':
      case 'audio_ack':
        // over the kernel transport without audio to the browser: dropped (counted), as with no audio m-line
        audio.onMessage(msg, closed ? undefined : chunkOut ? audioChunkOut : peer.audioOut);
        break;
      case 'caps':
        sender.setCaps(checkEncoderCaps(msg.caps));
        break;
      case 'answer':
        reply(msg.id, peer.answer(msg.sdp));
        break;
      case 'candidate':
        reply(msg.id, peer.addCandidate(msg.candidate));
        break;
      case 'record_start':
        reply(
          msg.id,
          Promise.resolve().then(() => recorders.start(msg.rec, msg.targets)),
        );
        break;
      case 'record_stop':
        recorders.stop(msg.rec);
        break;
      case 'close':
        void close();
        break;
      case 'use_chunks':
        if (!chunkOut) {
          chunkOut = postChunk;
          receiver.attachChunks(() => post({ t: 'keyframe_wanted' }));
        }
        break;
      case 'chunk_in':
        try {
          if (chunkOut && !closed) {
            const data = Buffer.from(msg.buffer, 0, msg.length);
            receiver.decodeChunk(data, chunkClock.videoTime(msg.timestamp));
          }
        } finally {
          post({ t: 'chunk_done' }); // else a throw here keeps a credit slot: after MAX_MEDIA_IN_FLIGHT, input freezes
        }
        break;
      case 'keyframe':
        sender.forceKeyframe();
        break;
      case 'use_audio_chunks':
        audioChunkOut = postAudioChunk;
        break;
      case 'audio_chunk_in':
        try {
          if (chunkOut && !closed) {
            const data = Buffer.from(msg.buffer, 0, msg.length);
            audio.decodeChunk(data, chunkClock.audioTime(msg.timestamp));
          }
        } finally {
          post({ t: 'audio_chunk_done' }); // the streamer's in-flight count must go down whatever happened
        }
        break;
    }
  } catch (e) {
    reportError(e);
  }
});

stats.start(post, () => peer.linkStats());
process.on('unhandledRejection', (e) => reportError(e));

post({ t: 'ready' });
