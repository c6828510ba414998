/**
 * IKernelCodecs with the codecs in a dedicated Worker (codec-worker.ts): the page keeps only the
 * comm. The camera's frames (MediaStreamTrackProcessor's readable) and the output track's
 * (MediaStreamTrackGenerator's writable) are transferred to the worker, which Chrome lets read and
 * write the tracks there without a hop through the main thread. The link's credit is told to the
 * worker whenever it changes (creditChanged), with the count of chunks the link has seen, so the
 * worker never encodes a frame the link would have to drop; the quality setting's bitrate goes with
 * the credit, so a quality change reaches the encoder with the next chunk. A worker that fails (its
 * script did not load, it crashed, a message could not be read) ends the session through `onFatal`:
 * without it the camera is no longer sent.
 */
import type { FromCodecWorker, ToCodecWorker } from './codec-worker-protocol';
import type { IEncodedChunkLike, IKernelCodecs } from './kernel-transport';
import { MAX_MEDIA_IN_FLIGHT } from './protocol';
import { startCodecWorker } from './start-codec-worker';
import { cameraFrames, outputTrack } from './webcodecs';

/** An encoded frame that came from the worker, as the link reads it. */
class WorkerChunk implements IEncodedChunkLike {
  constructor(
    readonly type: 'key' | 'delta',
    readonly timestamp: number,
    private readonly data: Uint8Array,
  ) {}
  get byteLength(): number {
    return this.data.byteLength;
  }
  copyTo(destination: Uint8Array): void {
    destination.set(this.data);
  }
}

export class WorkerKernelCodecs implements IKernelCodecs {
  onDecodeError: (() => void) | null = null;
  private readonly worker: Worker;
  private readonly track: MediaStreamTrack;
  private stream: MediaStream | null = null;
  private admit: ((encoding: number) => boolean) | null = null;
  private onChunk: ((chunk: IEncodedChunkLike) => void) | null = null;
  /** Chunks handed to the link so far. */
  private seen = 0;
  private lastFree = -1;
  private lastBitrate: number | null | undefined = undefined;
  private closed = false;

  /**
   * Throws when the worker cannot be started or cannot take the output track (a CSP without
   * worker-src, a browser that cannot transfer streams): the caller runs the codecs in the page.
   */
  constructor(
    private readonly bitrate: () => number | null,
    private readonly onError: (message: string) => void,
    private readonly onFatal: (message: string) => void,
  ) {
    this.worker = startCodecWorker();
    this.worker.onmessage = (event: MessageEvent<FromCodecWorker>) => this.onMessage(event.data);
    // a script that did not load gives an ErrorEvent without a message
    this.worker.onerror = (event) => this.fail(event.message || 'its script did not load');
    this.worker.onmessageerror = () => this.fail('a message from it could not be read');
    const { track, frames } = outputTrack();
    this.track = track;
    try {
      this.post({ type: 'output', frames }, [frames]);
    } catch (error) {
      this.worker.terminate();
      track.stop();
      throw error;
    }
  }

  get output(): MediaStream | null {
    return this.stream;
  }

  encodeCamera(
    track: MediaStreamTrack,
    onChunk: (chunk: IEncodedChunkLike) => void,
    admit: (encoding: number) => boolean,
  ): void {
    this.onChunk = onChunk;
    this.admit = admit;
    this.lastFree = -1;
    this.creditChanged();
    const frames = cameraFrames(track);
    this.post({ type: 'camera', frames, bitrate: this.bitrate() }, [frames]);
  }

  creditChanged(): void {
    if (!this.admit || this.closed) {
      return;
    }
    let free = 0;
    while (free < MAX_MEDIA_IN_FLIGHT && this.admit(free)) {
      free++;
    }
    const bitrate = this.bitrate();
    if (free !== this.lastFree || bitrate !== this.lastBitrate) {
      this.lastFree = free;
      this.lastBitrate = bitrate;
      this.post({ type: 'credit', free, seen: this.seen, bitrate });
    }
  }

  forceKeyframe(): void {
    this.post({ type: 'keyframe' });
  }

  decode(data: Uint8Array, key: boolean, timestampMs: number): boolean {
    if (this.closed) {
      return false;
    }
    // a copy: the comm's buffer is a view into the websocket message, which others may still read
    const copy = data.slice().buffer;
    this.post({ type: 'decode', data: copy, key, timestampMs }, [copy]);
    this.stream ??= new MediaStream([this.track]);
    return true;
  }

  close(): void {
    if (!this.closed) {
      this.post({ type: 'close' });
      this.closed = true;
      // the worker closes its codecs on 'close' first; terminate() then ends it even when it is stuck
      this.worker.terminate();
      this.track.stop();
    }
  }

  /** The worker cannot go on: it is ended and the session told (once, and never after close()). */
  private fail(message: string): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.worker.terminate();
    this.track.stop();
    this.onFatal(message);
  }

  private onMessage(message: FromCodecWorker): void {
    if (this.closed) {
      return;
    }
    switch (message.type) {
      case 'chunk':
        this.seen++;
        this.onChunk?.(new WorkerChunk(message.key ? 'key' : 'delta', message.timestamp, new Uint8Array(message.data)));
        // the link sent it (or dropped it): the worker learns the new credit and that it was seen
        this.lastFree = -1;
        this.creditChanged();
        return;
      case 'decode_error':
        this.onDecodeError?.();
        return;
      case 'error':
        this.onError(message.message);
        return;
    }
  }

  private post(message: ToCodecWorker, transfer: Transferable[] = []): void {
    if (!this.closed) {
      this.worker.postMessage(message, transfer);
    }
  }
}
