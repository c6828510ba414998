/**
 * The read side of the ROUTER channels. Shell and control: each message's frames are decoded and
 * handed on; frames that do not decode go to `onUndecodable` and the loop carries on, so one bad
 * message never stops a channel. Stdin: the kernel never asks for input, so anything arriving
 * there is only logged.
 */
import type * as zmq from 'zeromq';
import type { JupyterMessage } from './wire';

export async function receiveMessages(
  socket: AsyncIterable<Buffer[]>,
  decode: (frames: Buffer[]) => JupyterMessage,
  onMessage: (message: JupyterMessage) => void,
  onUndecodable: (error: unknown, frames: Buffer[]) => void,
): Promise<void> {
  for await (const frames of socket) {
    let message: JupyterMessage;
    try {
      message = decode(frames);
    } catch (error) {
      onUndecodable(error, frames);
      continue;
    }
    onMessage(message);
  }
}

/** allow_stdin is not supported: input requests are never sent, so nothing on stdin is answered. */
export async function ignoreStdin(socket: zmq.Router, log: (message: string) => void): Promise<void> {
  for await (const _frames of socket) {
    log('ignored a message on stdin: input requests are not supported');
  }
}
