/**
 * Everything the kernel publishes on iopub. Stream text is batched per (parent, stream) for a few
 * milliseconds so a loop of 10,000 console.log calls becomes a handful of messages; any other
 * message first flushes the batch, so order on the wire matches the order of the calls.
 */
import type { JSONObject, MimeBundle } from '../api';
import { currentParent } from './parent-context';
import type { Session } from './session';
import type { SerialSender } from './sockets';
import { encodeMessage, MessageHeader, Signer } from './wire';

const STREAM_FLUSH_MS = 15;
const STREAM_FLUSH_BYTES = 256 * 1024;

export type StreamName = 'stdout' | 'stderr';
/** The `execution_state` of a status message (not the streamer's `kernel_status`). */
export type ExecutionState = 'busy' | 'idle' | 'starting';

export class IopubPublisher {
  private pending: { parent: MessageHeader | undefined; name: StreamName; chunks: string[]; bytes: number } | null =
    null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly session: Session,
    private readonly sender: SerialSender,
    private readonly signer: Signer,
  ) {}

  publish(
    msgType: string,
    content: object,
    parent = currentParent(),
    buffers: Buffer[] = [],
    metadata: JSONObject = {},
  ): void {
    this.flushStreams();
    this.send(msgType, content, parent, buffers, metadata);
  }

  stream(name: StreamName, text: string, parent = currentParent()): void {
    const pending = this.pending;
    if (pending && (pending.parent !== parent || pending.name !== name)) this.flushStreams();
    if (!this.pending) this.pending = { parent, name, chunks: [], bytes: 0 };
    this.pending.chunks.push(text);
    this.pending.bytes += text.length;
    if (this.pending.bytes >= STREAM_FLUSH_BYTES) {
      this.flushStreams();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flushStreams(), STREAM_FLUSH_MS);
    }
  }

  status(state: ExecutionState, parent: MessageHeader | undefined): void {
    this.publish('status', { execution_state: state }, parent);
  }

  displayData(bundle: MimeBundle, displayId: string | undefined, update: boolean, parent = currentParent()): void {
    const content = {
      data: bundle.data,
      metadata: bundle.metadata ?? {},
      transient: displayId === undefined ? {} : { display_id: displayId },
    };
    this.publish(update ? 'update_display_data' : 'display_data', content, parent);
  }

  flushStreams(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    this.send('stream', { name: pending.name, text: pending.chunks.join('') }, pending.parent, [], {});
  }

  private send(
    msgType: string,
    content: object,
    parent: MessageHeader | undefined,
    buffers: Buffer[],
    metadata: JSONObject,
  ): void {
    const message = this.session.message(msgType, content, parent, { buffers, metadata });
    // PUB topics are informational; clients subscribe to everything.
    message.identities = [Buffer.from(`kernel.${this.session.id}.${msgType}`)];
    void this.sender.send(encodeMessage(message, this.signer));
  }

  drained(): Promise<void> {
    this.flushStreams();
    return this.sender.drained();
  }
}
