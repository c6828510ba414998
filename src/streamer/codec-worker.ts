/**
 * The kernel transport's codecs in a dedicated Worker (worker-codecs.ts starts it): reading the
 * camera, the VP8 encoder, the decoder and the writing into the output track run here, so the page's
 * main thread, busy with JupyterLab's handling of every comm message (and its busy/idle pair),
 * delays none of them; only the comm's send and receive stay there. The codec logic is
 * WebCodecsKernelCodecs's, run on the streams the page transferred.
 */
import type { FromCodecWorker, ToCodecWorker } from './codec-worker-protocol';
import { WebCodecsKernelCodecs } from './webcodecs';

interface IWorkerScope {
  onmessage: ((event: MessageEvent<ToCodecWorker>) => void) | null;
  postMessage(message: FromCodecWorker, transfer?: Transferable[]): void;
}
const scope = self as unknown as IWorkerScope;

let output: WritableStream<VideoFrame> | null = null;
let codecs: WebCodecsKernelCodecs | null = null;
let bitrate: number | null = null;
/** The page's last word on credit, and the chunks posted since (it had not seen them then). */
let free = 0;
let seen = 0;
let posted = 0;

function codecsNow(): WebCodecsKernelCodecs {
  if (!codecs) {
    codecs = new WebCodecsKernelCodecs(
      () => bitrate,
      (message) => scope.postMessage({ type: 'error', message }),
      output,
    );
    codecs.onDecodeError = () => scope.postMessage({ type: 'decode_error' });
  }
  return codecs;
}

scope.onmessage = ({ data: message }) => {
  switch (message.type) {
    case 'output':
      output = message.frames;
      return;
    case 'camera':
      bitrate = message.bitrate;
      codecsNow().encodeFrames(
        message.frames,
        (chunk) => {
          const data = new ArrayBuffer(chunk.byteLength);
          chunk.copyTo(new Uint8Array(data));
          posted++;
          scope.postMessage({ type: 'chunk', data, key: chunk.type === 'key', timestamp: chunk.timestamp }, [data]);
        },
        // frames posted and not yet seen by the page take credit too
        (encoding) => free - (posted - seen) - encoding > 0,
      );
      return;
    case 'credit':
      free = message.free;
      seen = message.seen;
      bitrate = message.bitrate; // the encoder is reconfigured at its next frame when this changed
      return;
    case 'keyframe':
      codecsNow().forceKeyframe();
      return;
    case 'decode':
      if (!codecsNow().decode(new Uint8Array(message.data), message.key, message.timestampMs)) {
        scope.postMessage({ type: 'decode_error' });
      }
      return;
    case 'close':
      codecs?.close();
      self.close();
      return;
  }
};
