/**
 * Headers for the messages the kernel sends: one session id for the kernel's lifetime, a new
 * msg_id per message, and the messaging protocol version the kernel speaks.
 */
import { randomUUID } from 'crypto';
import type { JSONObject } from '../api';
import type { JupyterMessage, MessageHeader } from './wire';

/** The Jupyter messaging protocol version (not the widget protocol's: see widgets/widget.ts). */
export const MESSAGING_PROTOCOL_VERSION = '5.3';

/** Builds headers for messages the kernel originates. */
export class Session {
  readonly id = randomUUID();

  header(msgType: string): MessageHeader {
    return {
      msg_id: randomUUID(),
      session: this.id,
      username: 'kernel',
      date: new Date().toISOString(),
      msg_type: msgType,
      version: MESSAGING_PROTOCOL_VERSION,
    };
  }

  message<C extends object>(
    msgType: string,
    content: C,
    parent: MessageHeader | undefined,
    options: { identities?: Buffer[]; metadata?: JSONObject; buffers?: Buffer[] } = {},
  ): JupyterMessage<C> {
    return {
      identities: options.identities ?? [],
      header: this.header(msgType),
      parent_header: parent ?? {},
      metadata: options.metadata ?? {},
      content,
      buffers: options.buffers ?? [],
    };
  }
}
