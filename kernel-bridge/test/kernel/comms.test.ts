import { KernelClient, ofType, isIdleFor } from './kernel-client';

/** A cell that registers an echo target: replies with the data and buffers reversed. */
const REGISTER_ECHO = `
import { getKernelApi } from "jupyterlab-webrtc-bridge";
getKernelApi().comms.registerTarget("echo", (comm, open) => {
  comm.send({ opened: open.data });
  comm.onMessage((msg) => {
    if (msg.data.close) { comm.close({ bye: true }); return; }
    comm.send({ echo: msg.data, sizes: msg.buffers.map((b) => b.length) }, { buffers: [...msg.buffers].reverse() });
  });
  comm.onClose((msg) => { if (msg) console.log("closed by frontend", JSON.stringify(msg.data)); });
});
`;

describe('comms', () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
    expect((await kernel.execute(REGISTER_ECHO)).reply.content.status).toBe('ok');
  });
  afterAll(async () => {
    await kernel.stop();
  });

  function commMsgs(commId: string, type = 'comm_msg') {
    return kernel.iopubMessages.filter((m) => m.header.msg_type === type && m.content.comm_id === commId);
  }

  it('opens a comm from the frontend and exchanges binary buffers both ways', async () => {
    kernel.send('shell', 'comm_open', { comm_id: 'c1', target_name: 'echo', data: { hello: 1 } });
    const opened = await kernel.waitForIopub((m) => m.header.msg_type === 'comm_msg' && m.content.comm_id === 'c1');
    expect(opened.content.data).toEqual({ opened: { hello: 1 } });

    const a = Buffer.from([1, 2, 3]);
    const b = Buffer.alloc(70000, 7);
    const sent = kernel.send('shell', 'comm_msg', { comm_id: 'c1', data: { n: 5 } }, [a, b]);
    const echo = await kernel.waitForIopub(
      (m) => m.header.msg_type === 'comm_msg' && (m.parent_header as { msg_id: string }).msg_id === sent.msg_id,
    );
    expect(echo.content.data).toEqual({ echo: { n: 5 }, sizes: [3, 70000] });
    expect(echo.buffers).toHaveLength(2);
    expect(echo.buffers[0].equals(b)).toBe(true);
    expect(echo.buffers[1].equals(a)).toBe(true);
  });

  it('publishes busy and idle around a comm_msg, parented to it', async () => {
    const sent = kernel.send('shell', 'comm_msg', { comm_id: 'c1', data: { n: 6 } });
    await kernel.waitForIopub((m) => isIdleFor(m, sent.msg_id));
    const states = kernel
      .childrenOf(sent.msg_id)
      .filter((m) => m.header.msg_type === 'status')
      .map((m) => m.content.execution_state);
    expect(states).toEqual(['busy', 'idle']);
  });

  it('lists open comms, filtered by target', async () => {
    const all = await kernel.request('shell', 'comm_info_request', {});
    expect(all.content.comms).toMatchObject({ c1: { target_name: 'echo' } });
    const none = await kernel.request('shell', 'comm_info_request', { target_name: 'other' });
    expect(none.content.comms).toEqual({});
  });

  it('closes comms in both directions', async () => {
    kernel.send('shell', 'comm_open', { comm_id: 'c2', target_name: 'echo', data: {} });
    kernel.send('shell', 'comm_msg', { comm_id: 'c2', data: { close: true } });
    const closed = await kernel.waitForIopub((m) => m.header.msg_type === 'comm_close' && m.content.comm_id === 'c2');
    expect(closed.content.data).toEqual({ bye: true });

    const sent = kernel.send('shell', 'comm_close', { comm_id: 'c1', data: { reason: 'tab closed' } });
    await kernel.waitForIopub((m) => isIdleFor(m, sent.msg_id));
    const printed = await kernel.waitForIopub(
      (m) => m.header.msg_type === 'stream' && (m.content.text as string).includes('closed by frontend'),
    );
    expect(printed.content.text).toBe('closed by frontend {"reason":"tab closed"}\n');
    const info = await kernel.request('shell', 'comm_info_request', { target_name: 'echo' });
    expect(info.content.comms).toEqual({});
  });

  it('answers a comm_open for an unknown target with comm_close', async () => {
    const sent = kernel.send('shell', 'comm_open', { comm_id: 'c3', target_name: 'nobody', data: {} });
    await kernel.waitForIopub((m) => isIdleFor(m, sent.msg_id));
    // Exactly one answer, a comm_close for that comm, in reply to the open; nothing else.
    const answers = kernel.childrenOf(sent.msg_id).filter((m) => m.header.msg_type !== 'status');
    expect(answers.map((m) => [m.header.msg_type, m.content.comm_id])).toEqual([['comm_close', 'c3']]);
    const info = await kernel.request('shell', 'comm_info_request', {});
    expect(info.content.comms).not.toHaveProperty('c3');
    await kernel.waitForStderr(/no comm target named "nobody"/);
  });

  it('handles comm messages while a cell awaits', async () => {
    // The cell waits for a frontend message on a comm it opened; only the comm can end it.
    const run = kernel.execute(`
      import { getKernelApi } from "jupyterlab-webrtc-bridge";
      const gate = getKernelApi().comms.open("gate", {}, { commId: "g1" });
      const got = await new Promise<unknown>((resolve) => gate.onMessage((m) => { gate.send({ ack: m.data }); resolve(m.data); }));
      console.log("cell got", JSON.stringify(got));
    `);
    await kernel.waitForIopub((m) => m.header.msg_type === 'comm_open' && m.content.comm_id === 'g1');
    const sent = kernel.send('shell', 'comm_msg', { comm_id: 'g1', data: { open: 'sesame' } });
    const ack = await kernel.waitForIopub((m) => m.header.msg_type === 'comm_msg' && m.content.comm_id === 'g1');
    expect(ack.content.data).toEqual({ ack: { open: 'sesame' } });
    expect((ack.parent_header as { msg_id: string }).msg_id).toBe(sent.msg_id);
    const { reply, iopub } = await run;
    expect(reply.content.status).toBe('ok');
    expect(
      iopub
        .filter((m) => m.header.msg_type === 'stream')
        .map((m) => m.content.text)
        .join(''),
    ).toBe('cell got {"open":"sesame"}\n');
    // The comm message was handled (busy/idle around it) before the cell finished.
    const order = kernel.iopubMessages;
    const commIdle = order.findIndex((m) => isIdleFor(m, sent.msg_id));
    const cellIdle = order.findIndex((m) => isIdleFor(m, (reply.parent_header as { msg_id: string }).msg_id));
    expect(commIdle).toBeGreaterThanOrEqual(0);
    expect(commIdle).toBeLessThan(cellIdle);
  });

  it('opens a comm from a cell and receives the frontend messages', async () => {
    const { reply, iopub } = await kernel.execute(`
      import { getKernelApi } from "jupyterlab-webrtc-bridge";
      const mine = getKernelApi().comms.open("from.kernel", { start: true }, { commId: "k1", buffers: [new Uint8Array([9, 8])] });
      mine.onMessage((m) => console.log("kernel got", JSON.stringify(m.data), m.buffers[0][0]));
    `);
    expect(reply.content.status).toBe('ok');
    const open = ofType(iopub, 'comm_open')[0];
    expect(open.content).toMatchObject({ comm_id: 'k1', target_name: 'from.kernel', data: { start: true } });
    expect([...open.buffers[0]]).toEqual([9, 8]);
    kernel.send('shell', 'comm_msg', { comm_id: 'k1', data: { x: 1 } }, [Buffer.from([42])]);
    const printed = await kernel.waitForIopub(
      (m) => m.header.msg_type === 'stream' && (m.content.text as string).includes('kernel got'),
    );
    expect(printed.content.text).toBe('kernel got {"x":1} 42\n');
    expect(commMsgs('k1')).toHaveLength(0);
  });

  it('reaches the same comm manager from a second copy of the package', async () => {
    const { reply, iopub } = await kernel.execute(`
      const copy = require("jupyterlab-webrtc-bridge/lib/kernel/api.js");
      delete require.cache[require.resolve("jupyterlab-webrtc-bridge/lib/kernel/api.js")];
      const fresh = require("jupyterlab-webrtc-bridge/lib/kernel/api.js");
      fresh !== copy && fresh.getKernelApi().comms === copy.getKernelApi().comms
    `);
    expect(reply.content.status).toBe('ok');
    expect(ofType(iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': 'true' });
  });
});
