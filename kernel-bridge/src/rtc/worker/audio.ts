/**
 * The worker's audio path: the browser's microphone in (audio-receive.ts) and the transformed audio
 * out (audio-send.ts), behind one object so worker/main.ts only dispatches the 'audio' messages.
 *
 * Hooks for other jobs in the worker (e.g. a recording): `onInput` sees every decoded input frame,
 * `onOutput` every output frame accepted for encoding. Both are called synchronously; copy the
 * data to keep it.
 */
import type { MediaStreamTrack as Track } from 'werift';
import type { AudioFrame } from '../../media/audio-frame';
import { audioFrameProblem } from '../../media/audio-frame';
import type { AudioMessage, FromWorker, ToWorker } from '../protocol';
import { AudioReceiver } from './audio-receive';
import { AudioSender, type AudioChunkOut } from './audio-send';
import type { RtpOut } from './send';
import type { WorkerStats } from './stats';

export interface AudioPathOptions {
  post: (msg: FromWorker, transfer?: ArrayBuffer[]) => void;
  onError: (e: unknown) => void;
  stats: WorkerStats;
}

export class AudioPath {
  /** Sees each decoded input frame (before it goes to the main thread). */
  onInput: ((frame: AudioFrame) => void) | null = null;
  /** Sees each output frame accepted for encoding. */
  onOutput: ((frame: AudioFrame) => void) | null = null;
  private readonly receiver: AudioReceiver;
  private readonly sender: AudioSender;

  constructor(private readonly opts: AudioPathOptions) {
    this.receiver = new AudioReceiver({ ...opts, tap: (frame) => this.onInput?.(frame) });
    this.sender = new AudioSender({ ...opts, tap: (frame) => this.onOutput?.(frame) });
  }

  attach(track: Track, payloadType: number): void {
    this.receiver.attach(track, payloadType);
  }

  /** Kernel transport: one Opus packet from the browser, captured at `timestamp` ms. */
  decodeChunk(data: Buffer, timestamp: number): void {
    this.receiver.decodeChunk(data, timestamp);
  }

  /** An 'audio' frame to send (its buffer goes back to the main thread) or an 'audio_ack'. */
  onMessage(msg: Extract<ToWorker, { t: 'audio' | 'audio_ack' }>, out: RtpOut | AudioChunkOut | undefined): void {
    if (msg.t === 'audio_ack') {
      this.receiver.ack(msg.n);
      return;
    }
    try {
      const frame = frameOf(msg);
      const problem = audioFrameProblem(frame);
      if (problem) {
        this.opts.stats.audio.dropped_send++;
        this.opts.onError(`audio frame to send dropped: ${problem}`);
      } else {
        this.sender.send(frame, out);
      }
    } finally {
      this.opts.post({ t: 'audio_sent', buffer: msg.buffer }, [msg.buffer]);
    }
  }

  close(): void {
    this.receiver.close();
    this.sender.close();
  }
}

/** The message's frame; its data views the message's buffer (a too-short buffer gives a short view, refused later). */
function frameOf(msg: AudioMessage<'audio'>): AudioFrame {
  const length = Math.min(Math.floor(msg.buffer.byteLength / 4), Math.max(0, msg.samples * msg.channels) || 0);
  return {
    sampleRate: msg.sampleRate,
    channels: msg.channels,
    samples: msg.samples,
    timestamp: msg.timestamp,
    data: new Float32Array(msg.buffer, 0, Number.isInteger(length) ? length : 0),
  };
}
