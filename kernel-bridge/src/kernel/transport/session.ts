import { randomUUID } from 'crypto';
import type { JSONObject } from './api';
import type { JupyterMessage, MessageHeader } from './wire';

export const PROTOCOL_VERSION = '5.3';

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
      version: PROTOCOL_VERSION,
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
