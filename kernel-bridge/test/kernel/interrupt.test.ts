import { KernelClient, ofType } from './kernel-client';

describe('interrupt', () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
  });
  afterAll(async () => {
    await kernel.stop();
  });

  async function interruptAfterStart(code: string, interrupt: () => void) {
    const running = kernel.execute(code);
    await kernel.waitForIopub((m) => m.header.msg_type === 'execute_input' && m.content.code === code);
    await new Promise((resolve) => setTimeout(resolve, 300));
    interrupt();
    return running;
  }

  it('stops a synchronous endless loop on SIGINT (what the stop button sends)', async () => {
    const { reply, iopub } = await interruptAfterStart('while (true) {}', () => kernel.process.kill('SIGINT'));
    expect(reply.content).toMatchObject({ status: 'error', ename: 'Interrupted' });
    expect(ofType(iopub, 'error')[0].content.traceback).toEqual(['Interrupted: the cell was interrupted']);
    expect((await kernel.execute('"alive after loop"')).reply.content.status).toBe('ok');
  });

  it('stops an endless await on SIGINT', async () => {
    const { reply } = await interruptAfterStart('await new Promise(() => {});', () => kernel.process.kill('SIGINT'));
    expect(reply.content).toMatchObject({ status: 'error', ename: 'Interrupted' });
    expect((await kernel.execute('"alive after await"')).reply.content.status).toBe('ok');
  });

  it('stops an endless await on interrupt_request', async () => {
    let interruptReply: Promise<unknown> = Promise.resolve();
    const { reply } = await interruptAfterStart('await new Promise(() => {});', () => {
      interruptReply = kernel.request('control', 'interrupt_request', {});
    });
    expect(reply.content.ename).toBe('Interrupted');
    expect(((await interruptReply) as { content: { status: string } }).content.status).toBe('ok');
  });

  it('answers heartbeats while a cell keeps the main thread busy', async () => {
    const zmq = await import('zeromq');
    const hb = new zmq.Request({ receiveTimeout: 2000 });
    hb.connect(`tcp://127.0.0.1:${kernel.ports.hb}`);
    const running = interruptAfterStart('const end = Date.now() + 1500; while (Date.now() < end) {}', () => undefined);
    await hb.send('ping');
    const [echo] = await hb.receive();
    expect(echo.toString()).toBe('ping');
    hb.close();
    expect((await running).reply.content.status).toBe('ok');
  });
});
