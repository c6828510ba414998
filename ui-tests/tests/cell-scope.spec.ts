/**
 * Issue 8: re-running a cell replaces what it started. JupyterLab sends the cell's id with each
 * execute_request; the kernel disposes the subscriptions a cell made when the same cell runs again
 * (kernel-bridge/src/kernel/scope/). Here, in a real JupyterLab, a cell subscribing to an interval is
 * run three times, and the ticks that arrive afterwards are counted by run: only the third run's
 * subscription may still be live. Without scopes all three would tick.
 */
import { expect, test } from '@jupyterlab/galata';
import { expectNoErrors, newTypeScriptNotebook, outputText, runCode } from './helpers';

/** Subscribes once per run; each tick says which run's subscription it came from. */
const SUBSCRIBING_CELL = `import { interval } from "rxjs";
const g = globalThis as any;
g.runs = (g.runs ?? 0) + 1;
const thisRun: number = g.runs;
interval(20).subscribe(() => g.onTick?.(thisRun));
"run " + thisRun`;

/** Waits for 30 ticks (an event count, not a time) and lists the runs they came from. */
const COUNTING_CELL = `const ticks: number[] = await new Promise((resolve) => {
  const got: number[] = [];
  (globalThis as any).onTick = (run: number) => {
    got.push(run);
    if (got.length === 30) { (globalThis as any).onTick = undefined; resolve(got); }
  };
});
"ticks from runs " + [...new Set(ticks)].sort().join(",")`;

test('re-running a cell three times leaves one live subscription', async ({ page }) => {
  await newTypeScriptNotebook(page, 'cell-scope.ipynb');
  for (const run of [1, 2, 3]) {
    await runCode(page, 0, SUBSCRIBING_CELL);
    await expectNoErrors(page, 0);
    expect(await outputText(page, 0)).toBe(`run ${run}`);
  }
  await runCode(page, 1, COUNTING_CELL);
  await expectNoErrors(page, 1);
  expect(await outputText(page, 1)).toBe('ticks from runs 3');
});
