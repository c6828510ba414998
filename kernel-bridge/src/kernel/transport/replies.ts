/**
 * Answers a request on the channel it came in on (shell or control): parented to the request and
 * routed back to its sender by the request's ZeroMQ identities. Every reply the kernel sends
 * goes through here.
 */
import type { Session } from './session';
import type { SerialSender } from './sockets';
import { encodeMessage, JupyterMessage, Signer } from './wire';

export type ReplyChannel = 'shell' | 'control';

export class ReplySender {
  constructor(
    private readonly session: Session,
    private readonly signer: Signer,
    private readonly senders: Record<ReplyChannel, SerialSender>,
  ) {}

  send(
    request: Pick<JupyterMessage, 'header' | 'identities'>,
    channel: ReplyChannel,
    type: string,
    content: object,
  ): void {
    const message = this.session.message(type, content, request.header, { identities: request.identities });
    void this.senders[channel].send(encodeMessage(message, this.signer));
  }
}
