/**
 * The Jupyter wire format: frames <-> messages, with the HMAC over exactly the four JSON frames
 * (header, parent_header, metadata, content). Binary buffers ride after them, unsigned, as the
 * protocol says; tslab signed them too, which is why its binary comms failed.
 */
import { createHmac, timingSafeEqual } from 'crypto';
import type { JSONObject } from '../api';
import { errorMessage } from '../../errors';
import type { SeenSignatures } from './replay';

const DELIMITER = Buffer.from('<IDS|MSG>');

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [key: string]: unknown;
}

export interface JupyterMessage<C extends object = JSONObject> {
  /** ZeroMQ routing prefix; replies must carry the request's. */
  identities: Buffer[];
  header: MessageHeader;
  parent_header: MessageHeader | Record<string, never>;
  metadata: JSONObject;
  content: C;
  buffers: Buffer[];
}

export class WireError extends Error {
  constructor(
    message: string,
    readonly header?: MessageHeader,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

export interface WireLimits {
  /**
   * Summed size of all frames of one message. Also each frame's limit inside ZeroMQ (sockets.ts):
   * a frame bigger than a whole message may be can never be accepted, so it is refused as its
   * length arrives, before it is read into memory.
   */
  maxMessageBytes: number;
  /** Number of frames of one message, routing identities included. */
  maxFrames: number;
}

/**
 * 64 MB: ten times the largest widget buffer we have seen (a 1080p RGBA frame is 8 MB), and
 * small enough that one message cannot exhaust the kernel's memory.
 * 1024 frames: a message has a few routing identities, the delimiter, the signature, four JSON
 * frames and its binary buffers; ipywidgets sends a handful of buffers per message, so 1024 is far
 * above any real client while keeping a flood of tiny frames (each a Buffer object) bounded.
 */
export const DEFAULT_LIMITS: WireLimits = { maxMessageBytes: 64 * 1024 * 1024, maxFrames: 1024 };

export class Signer {
  private readonly key: Buffer;
  constructor(
    key: string,
    private readonly scheme = 'hmac-sha256',
  ) {
    this.key = Buffer.from(key, 'utf8');
    if (!scheme.startsWith('hmac-')) {
      throw new Error(`unsupported signature scheme ${scheme}`);
    }
  }

  sign(parts: readonly Buffer[]): string {
    if (this.key.length === 0) return '';
    const hmac = createHmac(this.scheme.slice('hmac-'.length), this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest('hex');
  }

  /** False with an empty key: messages are then unsigned and anyone may send them (Jupyter's rule). */
  get authenticates(): boolean {
    return this.key.length > 0;
  }

  verify(signature: Buffer, parts: readonly Buffer[]): boolean {
    if (this.key.length === 0) return true;
    const expected = Buffer.from(this.sign(parts), 'utf8');
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}

export function decodeMessage(
  frames: readonly Buffer[],
  signer: Signer,
  limits: WireLimits = DEFAULT_LIMITS,
  seen?: SeenSignatures,
): JupyterMessage {
  let total = 0;
  for (const frame of frames) total += frame.length;
  const split = frames.findIndex((frame) => frame.equals(DELIMITER));
  if (split < 0 || frames.length < split + 6) {
    throw new WireError('malformed message: missing delimiter or frames');
  }
  const jsonFrames = frames.slice(split + 2, split + 6);
  if (!signer.verify(frames[split + 1], jsonFrames)) {
    throw new WireError('invalid HMAC signature');
  }
  // Only a verified signature is remembered: forged ones must not push real ones out of the set.
  if (seen && signer.authenticates && !seen.add(frames[split + 1].toString('latin1'))) {
    // No header on the error: a replay is dropped unanswered, as jupyter_client's Session does.
    throw new WireError('duplicate signature: a replayed message was dropped');
  }
  const header = parseJson(jsonFrames[0], 'header') as MessageHeader;
  if (typeof header.msg_type !== 'string' || typeof header.msg_id !== 'string') {
    throw new WireError('malformed header: msg_type and msg_id are required');
  }
  if (frames.length > limits.maxFrames) {
    throw new WireError(`message of ${frames.length} frames exceeds the kernel's limit of ${limits.maxFrames}`, header);
  }
  if (total > limits.maxMessageBytes) {
    throw new WireError(`message of ${total} bytes exceeds the kernel's limit of ${limits.maxMessageBytes}`, header);
  }
  const parsed = {
    identities: frames.slice(0, split) as Buffer[],
    header,
    parent_header: parseJson(jsonFrames[1], 'parent_header', header) as MessageHeader,
    metadata: parseJson(jsonFrames[2], 'metadata', header),
    content: parseJson(jsonFrames[3], 'content', header),
    buffers: frames.slice(split + 6) as Buffer[],
  };
  return parsed;
}

/** The ZeroMQ routing prefix of raw frames (all before the delimiter): enough to answer a message that did not decode. */
export function routingIdentities(frames: readonly Buffer[]): Buffer[] {
  return frames.slice(
    0,
    frames.findIndex((frame) => frame.equals(DELIMITER)),
  ) as Buffer[];
}

export function encodeMessage(message: JupyterMessage<object>, signer: Signer): Buffer[] {
  const jsonFrames = [
    Buffer.from(JSON.stringify(message.header)),
    Buffer.from(JSON.stringify(message.parent_header)),
    Buffer.from(JSON.stringify(message.metadata)),
    Buffer.from(JSON.stringify(message.content)),
  ];
  return [...message.identities, DELIMITER, Buffer.from(signer.sign(jsonFrames)), ...jsonFrames, ...message.buffers];
}

function parseJson(frame: Buffer, what: string, header?: MessageHeader): JSONObject {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8'));
  } catch (error) {
    throw new WireError(`malformed JSON in ${what}: ${errorMessage(error)}`, header);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WireError(`${what} must be a JSON object`, header);
  }
  return value as JSONObject;
}
