/**
 * A minimal Jupyter client for tests: starts the real kernel process and talks to it over
 * zeromq with signed messages, the way jupyter_client does. No mocks below this line.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomUUID } from 'crypto';
import { mkdtempSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import * as path from 'path';
import * as zmq from 'zeromq';
import { decodeMessage, encodeMessage, JupyterMessage, MessageHeader, Signer } from '../../src/kernel/transport/wire';

export const KERNEL_SCRIPT = path.resolve(__dirname, '..', '..', 'bin', 'jupyterlab-webrtc-kernel.js');

export type Msg = JupyterMessage;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** kernel_info round trips (each waits up to 1 s for its status on iopub) before giving up. */
const IOPUB_JOIN_ATTEMPTS = 30;

export class KernelClient {
  readonly iopubMessages: Msg[] = [];
  readonly stderr: string[] = [];
  /** Every shell/control reply received, in arrival order (to prove a request got none). */
  readonly replyMessages: Msg[] = [];
  private readonly session = randomUUID();
  private readonly replies = new Map<string, (message: Msg) => void>();
  private readonly iopubWaiters: { test: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  private exited: Promise<number | null>;
  private readonly stderrWaiters = new Set<() => void>();
  private readonly iopubListeners = new Set<(m: Msg) => void>();
  /** Timers of pending waits; stop() clears them so no wait outlives the kernel (or keeps jest alive). */
  private readonly timers = new Set<NodeJS.Timeout>();

  private bounded(timeoutMs: number, onTimeout: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      onTimeout();
    }, timeoutMs);
    this.timers.add(timer);
    return timer;
  }

  private clear(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private constructor(
    readonly process: ChildProcess,
    readonly signer: Signer,
    readonly shell: zmq.Dealer,
    readonly control: zmq.Dealer,
    readonly iopub: zmq.Subscriber,
    readonly cwd: string,
  ) {
    // 'close', not 'exit': by then stdout/stderr have been read to the end, so every line the
    // kernel logged before exiting is in this.stderr.
    this.exited = new Promise((resolve) => process.on('close', (code) => resolve(code)));
    process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr.push(chunk.toString());
      for (const wake of [...this.stderrWaiters]) wake();
    });
    void this.readReplies(shell);
    void this.readReplies(control);
    void this.readIopub();
  }

  static async start(options: { cwd?: string; key?: string; env?: NodeJS.ProcessEnv } = {}): Promise<KernelClient> {
    const cwd = options.cwd ?? mkdtempSync(path.join(tmpdir(), 'kernel-test-'));
    const key = options.key ?? randomUUID();
    const ports = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const connection = {
      transport: 'tcp',
      ip: '127.0.0.1',
      key,
      signature_scheme: 'hmac-sha256',
      shell_port: ports[0],
      control_port: ports[1],
      iopub_port: ports[2],
      stdin_port: ports[3],
      hb_port: ports[4],
    };
    const file = path.join(cwd, `kernel-${randomUUID()}.json`);
    writeFileSync(file, JSON.stringify(connection));
    const child = spawn(process.execPath, [KERNEL_SCRIPT, 'kernel', file], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    const shell = new zmq.Dealer();
    const control = new zmq.Dealer();
    const iopub = new zmq.Subscriber();
    shell.connect(`tcp://127.0.0.1:${ports[0]}`);
    control.connect(`tcp://127.0.0.1:${ports[1]}`);
    iopub.connect(`tcp://127.0.0.1:${ports[2]}`);
    iopub.subscribe();
    const client = new KernelClient(child, new Signer(key), shell, control, iopub, cwd);
    client.ports = { hb: ports[4] };
    // kernel_info until its idle status arrives on iopub, as jupyter_client does: a SUB socket
    // misses what is published before it has joined (ZeroMQ's slow joiner), so a reply on shell
    // alone did not mean the next cell's execute_input would be seen (a flaky CI failure).
    for (let attempt = 1; ; attempt++) {
      const header = client.header('kernel_info_request');
      const reply = client.replyTo(header.msg_id, 30000);
      const statusSeen = client
        .waitForIopub((m) => isIdleFor(m, header.msg_id), 1000)
        .then(
          () => true,
          () => false,
        );
      await client.sendRequest('shell', header, {});
      await reply;
      if (await statusSeen) return client;
      if (attempt === IOPUB_JOIN_ATTEMPTS) throw new Error('the kernel published no status that iopub received');
    }
  }

  ports: { hb: number } = { hb: 0 };

  header(msgType: string): MessageHeader {
    return {
      msg_id: randomUUID(),
      session: this.session,
      username: 'test',
      date: new Date().toISOString(),
      msg_type: msgType,
      version: '5.3',
    };
  }

  send(
    channel: 'shell' | 'control',
    msgType: string,
    content: object,
    buffers: Buffer[] = [],
    metadata = {},
  ): MessageHeader {
    const header = this.header(msgType);
    void this.sendRequest(channel, header, content, metadata, buffers);
    return header;
  }

  /** Sends raw frames (for malformed-message tests). */
  sendFrames(channel: 'shell' | 'control', frames: Buffer[]): Promise<void> {
    return this[channel].send(frames);
  }

  async request(
    channel: 'shell' | 'control',
    msgType: string,
    content: object,
    options: { buffers?: Buffer[]; timeoutMs?: number } = {},
  ): Promise<Msg> {
    const header = this.header(msgType);
    const reply = this.replyTo(header.msg_id, options.timeoutMs ?? 20000);
    await this.sendRequest(channel, header, content, {}, options.buffers);
    return reply;
  }

  /** Signs and sends one request (register its reply and iopub waits first). */
  private async sendRequest(
    channel: 'shell' | 'control',
    header: MessageHeader,
    content: object,
    metadata: JupyterMessage<object>['metadata'] = {},
    buffers: Buffer[] = [],
  ): Promise<void> {
    const message: JupyterMessage<object> = { identities: [], header, parent_header: {}, metadata, content, buffers };
    await this[channel].send(encodeMessage(message, this.signer));
  }

  replyTo(msgId: string, timeoutMs = 20000): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const timer = this.bounded(timeoutMs, () =>
        reject(new Error(`no reply to ${msgId} in ${timeoutMs} ms; kernel stderr: ${this.stderr.join('')}`)),
      );
      this.replies.set(msgId, (message) => {
        this.clear(timer);
        resolve(message);
      });
    });
  }

  /**
   * Runs a cell; resolves with the reply and every iopub message parented to it up to idle.
   * `metadata` is the request's (JupyterLab sends `cellId` there).
   */
  async execute(
    code: string,
    extra: object = {},
    timeoutMs = 30000,
    metadata: JupyterMessage<object>['metadata'] = {},
  ): Promise<{ reply: Msg; iopub: Msg[] }> {
    const header = this.header('execute_request');
    const reply = this.replyTo(header.msg_id, timeoutMs);
    const idle = this.waitForIopub((m) => isIdleFor(m, header.msg_id), timeoutMs);
    const content = {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
      ...extra,
    };
    await this.sendRequest('shell', header, content, metadata);
    const [r] = await Promise.all([reply, idle]);
    return { reply: r, iopub: this.childrenOf(header.msg_id) };
  }

  childrenOf(msgId: string): Msg[] {
    return this.iopubMessages.filter((m) => (m.parent_header as MessageHeader).msg_id === msgId);
  }

  waitForIopub(test: (m: Msg) => boolean, timeoutMs = 20000): Promise<Msg> {
    const seen = this.iopubMessages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = this.bounded(timeoutMs, () => reject(new Error(`iopub message not seen in ${timeoutMs} ms`)));
      this.iopubWaiters.push({
        test,
        resolve: (m) => {
          this.clear(timer);
          resolve(m);
        },
      });
    });
  }

  /**
   * Resolves once the kernel's stderr (its own log lines go there, and a cell can write to fd 2
   * directly) matches `pattern`; the log line travels through a pipe, so it may come after a reply
   * sent at the same time.
   */
  waitForStderr(pattern: RegExp, timeoutMs = 20000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const text = this.stderr.join('');
        if (!pattern.test(text)) return false;
        this.stderrWaiters.delete(check);
        this.clear(timer);
        resolve(text);
        return true;
      };
      const timer = this.bounded(timeoutMs, () => {
        this.stderrWaiters.delete(check);
        reject(new Error(`kernel stderr did not match ${pattern} in ${timeoutMs} ms; it was: ${this.stderr.join('')}`));
      });
      this.stderrWaiters.add(check);
      check();
    });
  }

  /** Calls `listener` with every iopub message from now on; returns the unsubscribe. */
  onIopub(listener: (m: Msg) => void): () => void {
    this.iopubListeners.add(listener);
    return () => this.iopubListeners.delete(listener);
  }

  exitCode(): Promise<number | null> {
    return this.exited;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      await this.request('control', 'shutdown_request', { restart: false }).catch(() => undefined);
      const killer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(killer);
    }
    this.shell.close();
    this.control.close();
    this.iopub.close();
    // Waits still pending (a failed test's) would otherwise fire long after, into other tests.
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async readReplies(socket: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of socket) {
        const message = decodeMessage(frames, this.signer);
        this.replyMessages.push(message);
        const parentId = (message.parent_header as MessageHeader).msg_id;
        this.replies.get(parentId)?.(message);
        this.replies.delete(parentId);
      }
    } catch {
      // socket closed
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const message = decodeMessage(frames, this.signer);
        this.iopubMessages.push(message);
        for (const listener of [...this.iopubListeners]) listener(message);
        for (const waiter of [...this.iopubWaiters]) {
          if (waiter.test(message)) {
            this.iopubWaiters.splice(this.iopubWaiters.indexOf(waiter), 1);
            waiter.resolve(message);
          }
        }
      }
    } catch {
      // socket closed
    }
  }
}

export function isIdleFor(message: Msg, msgId: string): boolean {
  return (
    message.header.msg_type === 'status' &&
    message.content.execution_state === 'idle' &&
    (message.parent_header as MessageHeader).msg_id === msgId
  );
}

export function streamText(messages: Msg[], name = 'stdout'): string {
  return messages
    .filter((m) => m.header.msg_type === 'stream' && m.content.name === name)
    .map((m) => m.content.text as string)
    .join('');
}

export function ofType(messages: Msg[], msgType: string): Msg[] {
  return messages.filter((m) => m.header.msg_type === msgType);
}
