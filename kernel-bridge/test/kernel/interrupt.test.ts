import { randomUUID } from 'crypto';
import { writeFileSync } from 'fs';
import * as path from 'path';
import { KernelClient, Msg, ofType } from './kernel-client';

/**
 * Cells announce that they reached the point to interrupt by writing a line straight to fd 2:
 * synchronous, unbatched (console output is batched on a timer, which a busy loop never lets
 * run), and seen by the test on the kernel's stderr pipe.
 */
const announce = (line: string) => `require("fs").writeSync(2, ${JSON.stringify(line + '\n')});`;
/**
 * For a cell that awaits: announces from the next turn of the event loop, when the cell has
 * returned to the kernel and is awaiting (a SIGINT that lands while the cell's synchronous part
 * still runs is a different case: see the loop test).
 */
const announceAwaiting = (line: string) => `setImmediate(() => { ${announce(line)} });`;

describe('interrupt', () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
  });
  afterAll(async () => {
    await kernel.stop();
  });

  /** Runs `code` after an announcement, waits for it, then interrupts. */
  async function interruptWhenReached(marker: string, code: string, interrupt: () => void, awaiting = false) {
    const running = kernel.execute(`${(awaiting ? announceAwaiting : announce)(marker)}\n${code}`);
    await kernel.waitForStderr(new RegExp(`^${marker}$`, 'm'));
    interrupt();
    return running;
  }

  // kernel.json declares interrupt_mode "message": the stop button sends interrupt_request on
  // control, which a worker thread reads even while a cell keeps the main thread busy. The reply
  // must say ok.
  let interruptReply: Promise<Msg> | undefined;
  const interruptRequest = () => {
    interruptReply = kernel.request('control', 'interrupt_request', {});
  };
  const sigint = () => kernel.process.kill('SIGINT');

  async function expectInterrupted({ reply, iopub }: { reply: Msg; iopub: Msg[] }) {
    expect(reply.content).toMatchObject({ status: 'error', ename: 'Interrupted', evalue: 'the cell was interrupted' });
    expect(ofType(iopub, 'error')[0].content.traceback).toEqual(['Interrupted: the cell was interrupted']);
    if (interruptReply) expect((await interruptReply).content.status).toBe('ok');
    interruptReply = undefined;
  }

  it('stops a synchronous endless loop on SIGINT', async () => {
    await expectInterrupted(await interruptWhenReached('looping', 'while (true) {}', sigint));
    expect((await kernel.execute('"alive after loop"')).reply.content.status).toBe('ok');
  });

  it('stops an endless await on SIGINT', async () => {
    await expectInterrupted(await interruptWhenReached('awaiting 1', 'await new Promise(() => {});', sigint, true));
    expect((await kernel.execute('"alive after await"')).reply.content.status).toBe('ok');
  });

  it('stops an endless await on interrupt_request', async () => {
    await expectInterrupted(
      await interruptWhenReached('awaiting 2', 'await new Promise(() => {});', interruptRequest, true),
    );
  });

  it('stops a synchronous endless loop on interrupt_request', async () => {
    await expectInterrupted(await interruptWhenReached('looping 2', 'while (true) {}', interruptRequest));
    expect((await kernel.execute('"alive after sync loop"')).reply.content.status).toBe('ok');
  });

  it('stops a loop that starts after an await, keeping earlier variables', async () => {
    expect((await kernel.execute('const keptBefore = 41;')).reply.content.status).toBe('ok');
    // Announced after the await, from the loop's own turn (a setImmediate would never run).
    const running = kernel.execute(`await Promise.resolve();\n${announce('looping after await')}\nwhile (true) {}`);
    await kernel.waitForStderr(/^looping after await$/m);
    interruptRequest();
    await expectInterrupted(await running);
    const after = await kernel.execute('keptBefore + 1');
    expect(after.reply.content.status).toBe('ok');
    expect(ofType(after.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '42' });
  });

  it('stops a loop after a timer await, after the cell printed, and runs the next cell', async () => {
    expect((await kernel.execute('let counter = 1;')).reply.content.status).toBe('ok');
    // Announced from the loop's own turn: an interrupt during the 50 ms await would end the
    // await instead, and the loop would start later (the next test).
    const code = `console.log("spinning after timer"); await new Promise((resolve) => setTimeout(resolve, 50));\n${announce(
      'looping after timer',
    )}\nwhile (true) { counter++; }`;
    const running = kernel.execute(code);
    await kernel.waitForIopub(
      (m) => m.header.msg_type === 'stream' && String(m.content.text).includes('spinning after timer'),
    );
    await kernel.waitForStderr(/^looping after timer$/m);
    interruptRequest();
    await expectInterrupted(await running);
    const after = await kernel.execute('await Promise.resolve(); counter > 1');
    expect(after.reply.content.status).toBe('ok');
    expect(ofType(after.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': 'true' });
  });

  it('ends a loop that an interrupted await resumed into later, on the next interrupt', async () => {
    // Interrupted while awaiting, the cell is answered at once; its async function cannot be
    // cancelled, so it resumes when the timer fires and spins with no cell running.
    const code = `await new Promise((resolve) => setTimeout(resolve, 300));\n${announce('orphan looping')}\nwhile (true) {}`;
    await expectInterrupted(await interruptWhenReached('orphan awaiting', code, interruptRequest, true));
    await kernel.waitForStderr(/^orphan looping$/m);
    interruptRequest();
    expect((await interruptReply!).content.status).toBe('ok');
    interruptReply = undefined;
    expect((await kernel.execute('"alive after orphan loop"')).reply.content.status).toBe('ok');
  });

  it('does nothing harmful when interrupted while idle', async () => {
    expect((await kernel.execute('const idleValue = "still here";')).reply.content.status).toBe('ok');
    expect((await kernel.request('control', 'interrupt_request', {})).content.status).toBe('ok');
    // An awaiting cell right after must run to its end: nothing stopped the main thread later.
    const after = await kernel.execute('await new Promise((resolve) => setTimeout(resolve, 500)); idleValue');
    expect(after.reply.content.status).toBe('ok');
    expect(ofType(after.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': 'still here' });
  });

  it('answers heartbeats while a cell keeps the main thread busy', async () => {
    const zmq = await import('zeromq');
    const release = path.join(kernel.cwd, `release-${randomUUID()}`);
    const hb = new zmq.Request({ receiveTimeout: 20000 });
    hb.connect(`tcp://127.0.0.1:${kernel.ports.hb}`);
    try {
      // The cell spins (no await, so the event loop never runs) until the test lets it go.
      const running = kernel.execute(
        `${announce('spinning')}\nconst fs = require("fs"); while (!fs.existsSync(${JSON.stringify(release)})) {}\n"released"`,
      );
      await kernel.waitForStderr(/^spinning$/m);
      await hb.send('ping');
      const [echo] = await hb.receive();
      expect(echo.toString()).toBe('ping');
      // The cell cannot end before the release file exists, so this echo came while it was spinning.
      writeFileSync(release, '');
      const { reply, iopub } = await running;
      expect(reply.content.status).toBe('ok');
      expect(ofType(iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': 'released' });
    } finally {
      hb.close();
    }
  });
});
