import { KernelClient, Msg, ofType } from './kernel-client';

describe('interrupt', () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
  });
  afterAll(async () => {
    await kernel.stop();
  });

  /** Runs `code`, waits for `started` (an event the cell causes right before it blocks), interrupts. */
  async function interruptWhen(
    code: string,
    started: () => Promise<unknown>,
    interrupt: () => unknown = interruptRequest,
  ) {
    const running = kernel.execute(code);
    await started();
    const interrupted = interrupt();
    const result = await running;
    if (interrupted instanceof Promise) expect(((await interrupted) as Msg).content.status).toBe('ok');
    return result;
  }

  // kernel.json declares interrupt_mode "message": the stop button sends interrupt_request on
  // control, which a worker thread reads even while a cell keeps the main thread busy.
  const interruptRequest = () => kernel.request('control', 'interrupt_request', {});
  const sigint = () => kernel.process.kill('SIGINT');

  /** Resolves when the kernel process writes `marker` to its real stderr (fd 2, not the cell's stream). */
  function stderrMarker(marker: string): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!kernel.stderr.join('').includes(marker)) return;
        kernel.process.stderr!.off('data', check);
        resolve();
      };
      kernel.process.stderr!.on('data', check);
      check();
    });
  }

  /** A cell that writes a marker the test waits for (its own stream only leaves on a timer), then runs `rest`. */
  function markedCell(rest: string, before = ''): { code: string; started: () => Promise<void> } {
    const marker = `started-${Math.random().toString(36).slice(2)}`;
    return {
      code: `import { writeSync } from "fs"; ${before} writeSync(2, "${marker}\\n"); ${rest}`,
      started: () => stderrMarker(marker),
    };
  }

  function expectInterrupted({ reply, iopub }: { reply: Msg; iopub: Msg[] }) {
    expect(reply.content).toMatchObject({ status: 'error', ename: 'Interrupted', evalue: 'the cell was interrupted' });
    expect(ofType(iopub, 'error')[0].content.traceback).toEqual(['Interrupted: the cell was interrupted']);
  }

  it('stops a synchronous endless loop on SIGINT', async () => {
    const cell = markedCell('while (true) {}');
    expectInterrupted(await interruptWhen(cell.code, cell.started, sigint));
    expect((await kernel.execute('"alive after loop"')).reply.content.status).toBe('ok');
  });

  it('stops an endless await on SIGINT', async () => {
    const cell = markedCell('await new Promise(() => {});', 'await Promise.resolve();');
    expectInterrupted(await interruptWhen(cell.code, cell.started, sigint));
    expect((await kernel.execute('"alive after await"')).reply.content.status).toBe('ok');
  });

  it('stops an endless await on interrupt_request', async () => {
    const cell = markedCell('await new Promise(() => {});', 'await Promise.resolve();');
    expectInterrupted(await interruptWhen(cell.code, cell.started));
  });

  it('stops a synchronous endless loop on interrupt_request', async () => {
    const cell = markedCell('while (true) {}');
    expectInterrupted(await interruptWhen(cell.code, cell.started));
    expect((await kernel.execute('"alive after sync loop"')).reply.content.status).toBe('ok');
  });

  it('stops a loop that starts after an await, keeping earlier variables', async () => {
    expect((await kernel.execute('const keptBefore = 41;')).reply.content.status).toBe('ok');
    const cell = markedCell('while (true) {}', 'await Promise.resolve();');
    expectInterrupted(await interruptWhen(cell.code, cell.started));
    const after = await kernel.execute('keptBefore + 1');
    expect(after.reply.content.status).toBe('ok');
    expect(ofType(after.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '42' });
  });

  it('stops a loop after a timer await, after the cell printed, and runs the next cell', async () => {
    expect((await kernel.execute('let counter = 1;')).reply.content.status).toBe('ok');
    const code =
      'console.log("spinning after timer"); await new Promise((resolve) => setTimeout(resolve, 50)); while (true) { counter++; }';
    const result = await interruptWhen(code, () =>
      kernel.waitForIopub(
        (m) => m.header.msg_type === 'stream' && String(m.content.text).includes('spinning after timer'),
      ),
    );
    expectInterrupted(result);
    const after = await kernel.execute('await Promise.resolve(); counter + 1');
    expect(after.reply.content.status).toBe('ok');
    expect(ofType(after.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '2' });
  });

  it('does nothing harmful when interrupted while idle', async () => {
    expect((await kernel.execute('const idleValue = "still here";')).reply.content.status).toBe('ok');
    expect((await interruptRequest()).content.status).toBe('ok');
    // An awaiting cell right after must run to its end: nothing stopped the main thread later.
    const after = await kernel.execute('await new Promise((resolve) => setTimeout(resolve, 500)); idleValue');
    expect(after.reply.content.status).toBe('ok');
    expect(ofType(after.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': 'still here' });
  });

  it('answers heartbeats while a cell keeps the main thread busy', async () => {
    const zmq = await import('zeromq');
    const hb = new zmq.Request({ receiveTimeout: 2000 });
    hb.connect(`tcp://127.0.0.1:${kernel.ports.hb}`);
    const cell = markedCell('const end = Date.now() + 1500; while (Date.now() < end) {}');
    const running = kernel.execute(cell.code);
    await cell.started();
    await hb.send('ping');
    const [echo] = await hb.receive();
    expect(echo.toString()).toBe('ping');
    hb.close();
    expect((await running).reply.content.status).toBe('ok');
  });
});
