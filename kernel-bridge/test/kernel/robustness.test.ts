import { encodeMessage, Signer } from '../../src/kernel/transport/wire';
import { isIdleFor, KernelClient } from './kernel-client';

describe('bad input never kills the kernel', () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start({ env: { JUPYTERLAB_WEBRTC_MAX_MESSAGE_BYTES: '1000000' } });
  });
  afterAll(async () => {
    await kernel.stop();
    expect(await kernel.exitCode()).toBe(0);
  });

  async function stillAlive() {
    const { reply } = await kernel.execute('"alive"');
    expect(reply.content.status).toBe('ok');
  }

  it('drops a message with a bad signature, logs it, and does not answer', async () => {
    const header = kernel.header('execute_request');
    const forged = encodeMessage(
      {
        identities: [],
        header,
        parent_header: {},
        metadata: {},
        content: { code: 'console.log("pwned")' },
        buffers: [],
      },
      new Signer('not-the-key'),
    );
    await kernel.sendFrames('shell', forged);
    await kernel.waitForStderr(/invalid HMAC signature/);
    // The shell socket is served in order: an answer to the forged request, or its output, would
    // have come before the reply and idle of the next request.
    await stillAlive();
    const answered = (m: { parent_header: object }) =>
      (m.parent_header as { msg_id?: string }).msg_id === header.msg_id;
    expect(kernel.replyMessages.filter(answered)).toEqual([]);
    expect(kernel.iopubMessages.filter(answered)).toEqual([]);
    expect(kernel.iopubMessages.some((m) => m.content.text === 'pwned\n')).toBe(false);
  });

  it('answers malformed JSON content with an error reply', async () => {
    const header = kernel.header('kernel_info_request');
    const json = [JSON.stringify(header), '{}', '{}', '{not json'].map((s) => Buffer.from(s));
    const reply = kernel.replyTo(header.msg_id);
    await kernel.sendFrames('shell', [Buffer.from('<IDS|MSG>'), Buffer.from(kernel.signer.sign(json)), ...json]);
    expect((await reply).content).toMatchObject({ status: 'error', ename: 'MalformedMessage' });
    await stillAlive();
  });

  it('answers an unknown request type with an error reply', async () => {
    const reply = await kernel.request('shell', 'teleport_request', {});
    expect(reply.header.msg_type).toBe('teleport_reply');
    expect(reply.content).toMatchObject({ status: 'error', evalue: 'unknown message type "teleport_request"' });
    await stillAlive();
  });

  it('answers an oversize message with an error reply', async () => {
    // Each frame under the limit (a single frame over it is refused by ZeroMQ: hardening.test.ts), the sum over it.
    const buffers = [Buffer.alloc(600_000), Buffer.alloc(600_000)];
    const reply = await kernel.request('shell', 'execute_request', { code: '1' }, { buffers });
    expect(reply.content).toMatchObject({ status: 'error', ename: 'MalformedMessage' });
    expect(reply.content.evalue).toMatch(/exceeds the kernel's limit/);
    await stillAlive();
  });

  it('rejects an execute_request without code', async () => {
    const reply = await kernel.request('shell', 'execute_request', { code: 42 });
    expect(reply.content).toMatchObject({ status: 'error', ename: 'BadRequest' });
    await stillAlive();
  });

  it('survives a comm handler that throws', async () => {
    await kernel.execute(`
      import { getKernelApi } from "jupyterlab-webrtc-bridge";
      getKernelApi().comms.registerTarget("thrower", (comm) => { comm.onMessage(() => { throw new Error("handler bug"); }); });
    `);
    kernel.send('shell', 'comm_open', { comm_id: 't1', target_name: 'thrower', data: {} });
    const sent = kernel.send('shell', 'comm_msg', { comm_id: 't1', data: {} });
    await kernel.waitForIopub((m) => isIdleFor(m, sent.msg_id));
    // Handled like any message (busy, idle), with nothing sent back for the failed handler.
    expect(kernel.childrenOf(sent.msg_id).map((m) => [m.header.msg_type, m.content.execution_state])).toEqual([
      ['status', 'busy'],
      ['status', 'idle'],
    ]);
    // The log line goes through the stderr pipe, which may deliver it after the idle message.
    await kernel.waitForStderr(/comm thrower message handler: handler bug/);
    await stillAlive();
    // The comm itself stays open: the next message reaches the handler (and fails) again.
    const again = kernel.send('shell', 'comm_msg', { comm_id: 't1', data: {} });
    await kernel.waitForIopub((m) => isIdleFor(m, again.msg_id));
    await kernel.waitForStderr(/handler bug[\s\S]*comm thrower message handler: handler bug/);
  });
});

describe('shutdown and restart', () => {
  it('replies to shutdown_request and exits cleanly, running shutdown hooks', async () => {
    const kernel = await KernelClient.start();
    await kernel.execute(`
      import { getKernelApi } from "jupyterlab-webrtc-bridge";
      getKernelApi().onShutdown(() => { getKernelApi().log("cleanup ran"); });
    `);
    const reply = await kernel.request('control', 'shutdown_request', { restart: true });
    expect(reply.content).toEqual({ status: 'ok', restart: true });
    expect(await kernel.exitCode()).toBe(0);
    // exitCode() resolves on 'close', after the stderr pipe was read to its end.
    expect(kernel.stderr.join('')).toMatch(/cleanup ran/);
    await kernel.stop();
  });
});
