/**
 * Cell scopes against the real kernel (issue 8): re-running a cell (same `metadata.cellId`, as
 * JupyterLab 4 sends it) disposes the subscriptions and timers its previous run started, so a
 * cell run three times leaves one live subscription. Live subscriptions are counted with
 * `finalize`, received values are tagged with the run that subscribed; waits are on emissions.
 */
import { KernelClient, ofType } from './kernel-client';

let kernel: KernelClient;
beforeAll(async () => {
  kernel = await KernelClient.start();
});
afterAll(async () => {
  await kernel.stop();
});

/** Every cell id the tests use: deleted after each test, so no interval keeps the 2 shared cores busy. */
const CELL_IDS = ['cell-a', 'cell-b', 'cell-c', 'cell-e', 'cell-f', 'cell-g', 'cell-h', 'cell-i', 'cell-j', 'cell-k'];
afterEach(async () => {
  await run('"clean"', { cellId: 'cleanup', deletedCells: CELL_IDS });
});

/** Runs `code` as notebook cell `cellId` (or as a console request without one); fails on errors. */
async function run(code: string, metadata: { cellId?: string; deletedCells?: string[] } = {}): Promise<string> {
  const { reply: answer, iopub } = await kernel.execute(code, {}, 30000, metadata);
  if (answer.content.status !== 'ok') throw new Error(`cell failed: ${JSON.stringify(answer.content)}`);
  const result = ofType(iopub, 'execute_result')[0];
  return result ? String((result.content.data as Record<string, unknown>)['text/plain']) : '';
}

/** Waits (in the kernel, on emissions) until `g[counter]` has grown by `more` entries; returns the runs seen since. */
const runsSeenAfter = (counter: string, more = 20) => `
  await new Promise<void>((resolve) => {
    const g = globalThis as any;
    const mark = g.${counter}.length;
    const check = setInterval(() => {
      if (g.${counter}.length >= mark + ${more}) { clearInterval(check); g.seen = [...new Set(g.${counter}.slice(mark))]; resolve(); }
    }, 1);
  });
  JSON.stringify((globalThis as any).seen)`;

/** A cell that subscribes to an interval, counting live subscriptions in `live<name>` and tagging values with its run. */
const intervalCell = (name: string) => `
  import { interval, finalize } from 'rxjs';
  {
    const g = globalThis as any;
    const run = (g.runs${name} = (g.runs${name} ?? 0) + 1);
    g.hits${name} ??= [];
    g.live${name} = (g.live${name} ?? 0) + 1;
    g.subs${name} ??= [];
    g.subs${name}.push(interval(1).pipe(finalize(() => g.live${name}--)).subscribe(() => g.hits${name}.push(run)));
  }`;

describe('cell scopes', () => {
  it('re-running a cell 3 times leaves one live subscription, receiving for the last run only', async () => {
    for (let i = 0; i < 3; i++) await run(intervalCell('A'), { cellId: 'cell-a' });
    expect(await run('(globalThis as any).liveA')).toBe('1');
    expect(await run(runsSeenAfter('hitsA'))).toBe('[3]');
  });

  it('leaves other cells alone', async () => {
    await run(intervalCell('B'), { cellId: 'cell-b' });
    for (let i = 0; i < 2; i++) await run(intervalCell('C'), { cellId: 'cell-c' });
    expect(await run('[(globalThis as any).liveB, (globalThis as any).liveC].join()')).toBe('1,1');
    expect(await run(runsSeenAfter('hitsB'))).toBe('[1]');
  });

  it('keeps today’s behaviour for requests without a cell id', async () => {
    for (let i = 0; i < 2; i++) await run(intervalCell('D'));
    expect(await run('(globalThis as any).liveD')).toBe('2');
    await run('for (const sub of (globalThis as any).subsD) sub.unsubscribe()');
  });

  it('disposes subscriptions made in callbacks of the cell: a timer callback and a switchMap inner', async () => {
    const cell = `
      import { interval, finalize, of, switchMap } from 'rxjs';
      {
        const g = globalThis as any;
        g.liveE = g.liveE ?? 0;
        of(1).pipe(switchMap(() => (g.liveE++, interval(1).pipe(finalize(() => g.liveE--))))).subscribe();
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            g.liveE++;
            interval(1).pipe(finalize(() => g.liveE--)).subscribe();
            resolve();
          }, 0),
        );
      }`;
    for (let i = 0; i < 3; i++) await run(cell, { cellId: 'cell-e' });
    expect(await run('(globalThis as any).liveE')).toBe('2');
  });

  it('disposes intervals and pending timeouts the cell set', async () => {
    const cell = `
      {
        const g = globalThis as any;
        const run = (g.runsF = (g.runsF ?? 0) + 1);
        g.ticksF ??= [];
        setInterval(() => g.ticksF.push(run), 1);
        setTimeout(() => g.ticksF.push(-run), 60_000);
      }`;
    for (let i = 0; i < 3; i++) await run(cell, { cellId: 'cell-f' });
    expect(await run(runsSeenAfter('ticksF'))).toBe('[3]');
  });

  it('does not grow while a long stream emits', async () => {
    const cell = `
      import { interval, of, take } from 'rxjs';
      import { currentScope } from 'jupyterlab-webrtc-bridge';
      {
        const g = globalThis as any;
        g.scopeG = currentScope();
        g.emittedG = [];
        interval(1).subscribe((n) => {
          of(n).subscribe();
          interval(1).pipe(take(1)).subscribe();
          setTimeout(() => undefined, 0);
          g.emittedG.push(n);
        });
      }`;
    await run(cell, { cellId: 'cell-g' });
    await run(runsSeenAfter('emittedG', 300));
    const size = Number(await run('(globalThis as any).scopeG.size'));
    expect(size).toBeGreaterThanOrEqual(1);
    expect(size).toBeLessThan(10);
  });

  it('disposes a slider value$ subscription when its cell runs again', async () => {
    await run(`
      import { IntSlider } from 'jupyterlab-webrtc-bridge';
      (globalThis as any).sliderH = new IntSlider({ value: 1 }); "made"`);
    const cell = `
      {
        const g = globalThis as any;
        const run = (g.runsH = (g.runsH ?? 0) + 1);
        g.seenH ??= [];
        g.sliderH.value$.subscribe((v: number) => g.seenH.push([run, v]));
      }`;
    for (let i = 0; i < 3; i++) await run(cell, { cellId: 'cell-h' });
    expect(
      await run(
        '(globalThis as any).sliderH.value = 9; JSON.stringify((globalThis as any).seenH.filter(([, v]: number[]) => v === 9))',
      ),
    ).toBe('[[3,9]]');
  });

  it('disposes the scope of a cell JupyterLab reports deleted', async () => {
    await run(intervalCell('I'), { cellId: 'cell-i' });
    await run('1', { cellId: 'cell-j', deletedCells: ['cell-i'] });
    expect(await run('(globalThis as any).liveI')).toBe('0');
  });

  it('gives notebook code an explicit scope, and detached() to opt out', async () => {
    const cell = `
      import { interval, finalize } from 'rxjs';
      import { currentScope, detached } from 'jupyterlab-webrtc-bridge';
      {
        const g = globalThis as any;
        g.closedK = g.closedK ?? 0;
        g.liveK = g.liveK ?? 0;
        currentScope()!.add(() => g.closedK++);
        g.liveK++;
        g.subsK ??= [];
        g.subsK.push(detached(() => interval(1).pipe(finalize(() => g.liveK--)).subscribe()));
      }`;
    for (let i = 0; i < 3; i++) await run(cell, { cellId: 'cell-k' });
    expect(await run('[(globalThis as any).closedK, (globalThis as any).liveK].join()')).toBe('2,3');
    await run('for (const sub of (globalThis as any).subsK) sub.unsubscribe()');
  });
});
