/**
 * Worker-thread entry of one opened media file (the script media-file.ts starts:
 * lib/sources/file-worker.js): decodes it (file-decoder.ts) and posts its frames and sound at the
 * times the file says, so the kernel's main thread never demuxes, decodes or converts.
 *
 * Pacing: an item is posted when the wall clock reaches its timestamp (from the first item); a
 * worker that fell behind by more than LATE_RESET_MS moves its clock on instead of catching up in a
 * burst. Flow: at most MAX_VIDEO_IN_FLIGHT video frames are posted and not yet acknowledged; a
 * frame due beyond that waits in one slot, where a newer one replaces it (latest-first, its buffer
 * recycled). Audio is never replaced (a gap is audible), only dropped when MAX_AUDIO_IN_FLIGHT
 * frames are unacknowledged (the main thread is stuck). With `loop` the file is opened again at
 * its end and timestamps go on from its length.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { I420BufferPool } from '../media/buffer-pool';
import { LatestSlot } from '../media/latest-slot';
import { FileDecoder, MediaFileError, type Decoded, type DecodedAudio, type DecodedVideo } from './file-decoder';
import {
  AUDIO_SAMPLE_RATE,
  fitErrorText,
  MAX_AUDIO_IN_FLIGHT,
  MAX_VIDEO_IN_FLIGHT,
  type FileWorkerInit,
  type FromFileWorker,
  type ToFileWorker,
} from './protocol';

/** Decoded audio held ahead of the next video frame (files interleave audio up to ~1 s early). */
const MAX_AUDIO_AHEAD = 100;
/** Behind schedule by more than this, the clock moves on (no burst to catch up). */
const LATE_RESET_MS = 250;
/** Spare frame buffers: the pending frame, the held one, one being decoded. */
const POOL_CAP = 3;

const port = parentPort;
if (!port) throw new Error('sources/file-worker must run in a worker thread');
const init = workerData as FileWorkerInit;
const pool = new I420BufferPool(POOL_CAP);

const post = (msg: FromFileWorker, transfer?: ArrayBuffer[]): void => port.postMessage(msg, transfer);

let decoder: FileDecoder | null = null;
let stopped = false;
let timer: ReturnType<typeof setTimeout> | null = null;
/** ms added to the file's timestamps: the length of the loops played before. */
let loopOffset = 0;
/** performance.now() at which timestamp 0 is due. */
let clockStart = -1;
let pendingVideo: DecodedVideo | null = null;
const pendingAudio: DecodedAudio[] = [];
let videoInFlight = 0;
let audioInFlight = 0;
const heldVideo = new LatestSlot<DecodedVideo>((dropped) => pool.give(dropped.buffer));
let fileEnded = false;

function open(): FileDecoder {
  try {
    return FileDecoder.open(init.path, pool);
  } catch (error) {
    throw error instanceof MediaFileError ? error : new MediaFileError(String((error as Error)?.message ?? error));
  }
}

/** Decodes until a video frame is pending (or audio fills up, or the file ends); loops if asked. */
function fill(): void {
  while (!pendingVideo && pendingAudio.length < MAX_AUDIO_AHEAD && !fileEnded) {
    decoder ??= open();
    const item: Decoded | null = decoder.next();
    if (item) {
      item.timestamp += loopOffset;
      if (item.kind === 'video') pendingVideo = item;
      else pendingAudio.push(item);
      continue;
    }
    const length = decoder.lengthMs;
    decoder.close();
    decoder = null;
    if (!init.loop || length <= 0) fileEnded = true;
    else loopOffset += length;
  }
}

function dueAt(timestamp: number): number {
  return clockStart + timestamp;
}

function postVideo(frame: DecodedVideo): void {
  videoInFlight++;
  const { width, height, timestamp, buffer } = frame;
  post({ t: 'frame', width, height, timestamp, buffer, dropped: heldVideo.dropped }, [buffer]);
}

function offerVideo(frame: DecodedVideo): void {
  if (videoInFlight < MAX_VIDEO_IN_FLIGHT) postVideo(frame);
  else heldVideo.put(frame);
}

function postAudio(frame: DecodedAudio): void {
  if (audioInFlight >= MAX_AUDIO_IN_FLIGHT) return; // the main thread is stuck: this 20 ms is lost
  audioInFlight++;
  const { channels, samples, timestamp, data } = frame;
  const buffer = data.buffer as ArrayBuffer;
  post({ t: 'audio', sampleRate: AUDIO_SAMPLE_RATE, channels, samples, timestamp, buffer }, [buffer]);
}

/** Posts what is due, decodes ahead, and sleeps until the next item is due. */
function pump(): void {
  timer = null;
  if (stopped) return;
  try {
    fill();
  } catch (error) {
    fail(error);
    return;
  }
  const now = performance.now();
  const first = Math.min(pendingVideo?.timestamp ?? Infinity, pendingAudio[0]?.timestamp ?? Infinity);
  if (clockStart < 0 && first !== Infinity) clockStart = now - first;
  if (first !== Infinity && now - dueAt(first) > LATE_RESET_MS) clockStart = now - first; // fell behind
  while (pendingAudio.length && dueAt(pendingAudio[0].timestamp) <= now) postAudio(pendingAudio.shift()!);
  if (pendingVideo && dueAt(pendingVideo.timestamp) <= now) {
    offerVideo(pendingVideo);
    pendingVideo = null;
  }
  if (pendingVideo || pendingAudio.length || !fileEnded) {
    const next = Math.min(pendingVideo?.timestamp ?? Infinity, pendingAudio[0]?.timestamp ?? Infinity);
    const wait = next === Infinity ? 0 : Math.max(0, dueAt(next) - performance.now());
    timer = setTimeout(pump, wait);
    return;
  }
  if (!heldVideo.full) finish();
}

/** The whole file was posted (no loop): tell the main thread once the held frame went too. */
function finish(): void {
  if (stopped) return;
  stopped = true;
  post({ t: 'end' });
  shutDown();
}

function fail(error: unknown): void {
  if (stopped) return;
  stopped = true;
  const reason = error instanceof Error ? error.message : String(error);
  post({ t: 'error', message: fitErrorText(reason) });
  shutDown();
}

function shutDown(): void {
  stopped = true;
  if (timer) clearTimeout(timer);
  timer = null;
  try {
    decoder?.close();
  } catch {
    /* closing is best effort; the thread ends anyway */
  }
  decoder = null;
  port?.close();
}

port.on('message', (msg: ToFileWorker) => {
  if (msg.t === 'stop') {
    shutDown();
    return;
  }
  if (msg.t === 'ack') {
    videoInFlight = Math.max(0, videoInFlight - (Number.isInteger(msg.video) ? msg.video : 0));
    audioInFlight = Math.max(0, audioInFlight - (Number.isInteger(msg.audio) ? msg.audio : 0));
    while (videoInFlight < MAX_VIDEO_IN_FLIGHT && heldVideo.full) postVideo(heldVideo.take()!);
    if (fileEnded && !pendingVideo && !pendingAudio.length && !heldVideo.full && !timer) finish();
  }
});

pump();
