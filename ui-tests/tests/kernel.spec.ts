/**
 * Issue 2: the TypeScript (WebRTC) kernel inside a real JupyterLab: results, type errors, output
 * streamed while a cell awaits, and interrupting a busy cell from the notebook toolbar.
 *
 * Each test pays for a page load, a kernel start and the TypeScript warm-up (~15 s here), so the
 * quick cell checks share one notebook as steps of one test.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import { CELL_TIMEOUT, newTypeScriptNotebook, outputText, runCode, setCode, waitForKernelIdle } from './helpers';

const STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';

test.describe('TypeScript (WebRTC) kernel in JupyterLab', () => {
  test('runs cells: last value, type errors, output while awaiting', async ({ page }) => {
    await newTypeScriptNotebook(page, 'kernel.ipynb');

    await test.step('the last expression is the result', async () => {
      await runCode(page, 0, 'const x: number = 6 * 7;\nx');
      expect(await outputText(page, 0)).toBe('42');
    });

    await test.step('a type error is an error output with line:col', async () => {
      await runCode(page, 1, 'const ok = 1;\nconst s: string = 42;');
      const output = (await page.notebook.getCellOutputLocator(1))!;
      await expect(output.locator(STDERR)).toContainText("2:7 - Type 'number' is not assignable to type 'string'.");
    });

    await test.step('output printed before and after an await arrives in order', async () => {
      await runCode(page, 2, 'console.log("a");\nawait new Promise(r => setTimeout(r, 500));\nconsole.log("b")');
      const text = await outputText(page, 2);
      expect(text.split('\n').filter((line) => line !== '')).toEqual(['a', 'b']);
    });
  });

  test.describe('interrupt', () => {
    // Galata's kernel tracking (the `kernels` fixture) proxies POST /api/kernels/<id>/interrupt and
    // parses its empty 204 body as JSON, which throws in the route handler and fails the test
    // ("SyntaxError: Unexpected end of JSON input" in handleJsonResponse, galata 5.6.4). Without
    // it, the `sessions` fixture still shuts the kernel down after the test.
    test.use({ kernels: null });

    /**
     * Runs `setup` as cell 0 (it also warms the kernel, so the interrupt hits the loop, not the
     * TypeScript warm-up), starts `busy` as cell 1, presses the toolbar's stop button once the
     * kernel is Busy, and returns cell 1's output once the kernel is idle again.
     */
    async function interruptBusyCell(page: IJupyterLabPageFixture, notebook: string, setup: string, busy: string) {
      await newTypeScriptNotebook(page, notebook);
      await runCode(page, 0, setup);
      await setCode(page, 1, busy);
      expect(await page.notebook.runCell(1, { wait: false })).toBe(true);
      await expect(page.locator('#jp-main-statusbar').getByText('Busy')).toBeVisible({ timeout: CELL_TIMEOUT });
      expect(await page.notebook.clickToolbarItem('interrupt')).toBe(true);
      await waitForKernelIdle(page);
      const output = (await page.notebook.getCellOutputLocator(1))!;
      await expect(output.locator(STDERR)).toContainText('Interrupted');
      return output;
    }

    test('the toolbar stop button interrupts a busy cell and the next cell runs', async ({ page }) => {
      await interruptBusyCell(page, 'interrupt.ipynb', '1', 'while (true) {}');
      await runCode(page, 2, '"after " + (20 + 22)');
      expect(await outputText(page, 2)).toContain('after 42');
    });

    test('the toolbar stop button ends a loop that starts after an await, keeping variables', async ({ page }) => {
      // Console output is sent on a timer, which the loop never lets run: "spinning" reaches the
      // notebook only once the cell has ended. A cell that ends in an error keeps none of its own
      // names, so the variable comes from the earlier cell.
      const output = await interruptBusyCell(
        page,
        'interrupt-after-await.ipynb',
        'const before = 41;',
        'await Promise.resolve();\nconsole.log("spinning");\nwhile (true) {}',
      );
      await expect(output).toContainText('spinning');
      await runCode(page, 2, 'before + 1');
      expect(await outputText(page, 2)).toContain('42');
    });
  });
});
