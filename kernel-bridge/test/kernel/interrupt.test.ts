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

  it('stops a synchronous endless loop on SIGINT (what the stop button sends)', async () => {
    const { reply, iopub } = await interruptWhenReached('looping', 'while (true) {}', () =>
      kernel.process.kill('SIGINT'),
    );
    expect(reply.content).toMatchObject({ status: 'error', ename: 'Interrupted' });
    expect(ofType(iopub, 'error')[0].content.traceback).toEqual(['Interrupted: the cell was interrupted']);
    expect((await kernel.execute('"alive after loop"')).reply.content.status).toBe('ok');
  });

  it('stops an endless await on SIGINT', async () => {
    const { reply } = await interruptWhenReached(
      'awaiting 1',
      'await new Promise(() => {});',
      () => kernel.process.kill('SIGINT'),
      true,
    );
    expect(reply.content).toMatchObject({ status: 'error', ename: 'Interrupted' });
    expect((await kernel.execute('"alive after await"')).reply.content.status).toBe('ok');
  });

  it('stops an endless await on interrupt_request', async () => {
    let interruptReply: Promise<Msg> | undefined;
    const { reply } = await interruptWhenReached(
      'awaiting 2',
      'await new Promise(() => {});',
      () => {
        interruptReply = kernel.request('control', 'interrupt_request', {});
      },
      true,
    );
    expect(reply.content.ename).toBe('Interrupted');
    expect((await interruptReply!).content.status).toBe('ok');
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
