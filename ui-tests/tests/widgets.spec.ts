/**
 * Issue 3: kernel-side Jupyter widgets in a real JupyterLab. The browser moves a FloatSlider and
 * picks a Dropdown option; the kernel sees every value, in order, through `value$`; after a page
 * reload the widgets render again from the live kernel, without re-running any cell.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import { expectNoErrors, newTypeScriptNotebook, reloadPage, runCode } from './helpers';

const NOTEBOOK = 'widgets.ipynb';

const WIDGETS_CELL = `import { Dropdown, FloatSlider, HBox, Label } from "jupyterlab-webrtc-bridge";
const slider = new FloatSlider({ description: "low", min: 0, max: 255, value: 100 });
const dropdown = new Dropdown({ description: "effect", options: ["edges", "cartoon", "rotate"] });
const seen: number[] = [];
slider.value$.subscribe((v) => seen.push(v));
// Shows what the kernel has seen, so the test can wait for each value to arrive.
const echo = new Label();
slider.value$.subscribe(() => (echo.value = JSON.stringify(seen)));
new HBox([slider, dropdown, echo])`;

const REPORT_CELL = 'console.log(slider.value, dropdown.value, JSON.stringify(seen))';

const KEY_PRESSES = 5;

/** The widgets in the output of cell 0 of the open notebook. */
async function widgets(page: IJupyterLabPageFixture) {
  const output = (await page.notebook.getCellOutputLocator(0))!;
  expect(output).not.toBeNull();
  return {
    label: output.locator('.widget-slider .widget-label'),
    handle: output.locator('.widget-slider .noUi-handle'),
    readout: output.locator('.widget-slider .widget-readout'),
    select: output.locator('.widget-dropdown select'),
    // The Label is the only widget-label directly in the box (the others are descriptions).
    echo: output.locator('.widget-hbox > .widget-label'),
  };
}

/** What the kernel has seen so far, as shown by the echo Label. */
async function seenByKernel(echo: ReturnType<IJupyterLabPageFixture['locator']>): Promise<number[]> {
  return JSON.parse((await echo.textContent()) || '[]');
}

/** The execution count of each cell of the active notebook, from its model. */
async function executionCounts(page: IJupyterLabPageFixture): Promise<(number | null)[]> {
  return page.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const cells = (window as any).jupyterapp.shell.currentWidget.content.model.sharedModel.cells;
    return cells.map((cell: { execution_count?: number | null }) => cell.execution_count ?? null);
  });
}

/** Presses ArrowRight on the slider handle and waits until the kernel has seen the new value. */
async function stepRight(page: IJupyterLabPageFixture, expectedSeen: number): Promise<number> {
  const { handle, echo } = await widgets(page);
  await handle.focus();
  await handle.press('ArrowRight');
  // The widget manager sends at most one update per model until the kernel is idle again and
  // merges the changes in between, so wait for each value before the next key press.
  await expect.poll(async () => (await seenByKernel(echo)).length).toBe(expectedSeen);
  return Number(await handle.getAttribute('aria-valuenow'));
}

test('slider and dropdown changes reach the kernel, and the widgets survive a reload', async ({ page }) => {
  await newTypeScriptNotebook(page, NOTEBOOK);
  await runCode(page, 0, WIDGETS_CELL);
  await expectNoErrors(page, 0);
  const { label, handle, readout, select, echo } = await widgets(page);

  await test.step('the widgets render with their initial values', async () => {
    await expect(label).toHaveText('low');
    await expect(handle).toHaveAttribute('aria-valuenow', '100.0');
    await expect(readout).toHaveText('100.00');
    await expect(select).toHaveValue('edges');
    await expect(echo).toHaveText('[100]');
  });

  const uiValues: number[] = [];
  await test.step(`the slider moves by keyboard, ${KEY_PRESSES} steps`, async () => {
    for (let i = 1; i <= KEY_PRESSES; i++) {
      uiValues.push(await stepRight(page, i + 1));
    }
    // Each step moved the handle up (FloatSlider's default step is 0.1).
    for (let i = 0; i < uiValues.length; i++) {
      expect(uiValues[i]).toBeGreaterThan(i === 0 ? 100 : uiValues[i - 1]);
    }
    await expect(readout).toHaveText(uiValues[uiValues.length - 1].toFixed(2));
  });

  await test.step('the dropdown selects "cartoon"', async () => {
    await select.selectOption('cartoon');
    await expect(select).toHaveValue('cartoon');
  });

  await test.step('a later cell sees the final values and every value in between', async () => {
    await runCode(page, 1, REPORT_CELL);
    await expectNoErrors(page, 1);
    const printed = ((await page.notebook.getCellTextOutput(1)) ?? []).join('').trim();
    const [value, choice, seenJson] = printed.split(' ');
    const finalValue = uiValues[uiValues.length - 1];
    expect(Number(value)).toBe(finalValue);
    expect(Number(value).toFixed(2)).toBe(await readout.textContent());
    expect(choice).toBe(await select.inputValue());
    expect(choice).toBe('cartoon');
    const seen = JSON.parse(seenJson) as number[];
    expect(seen[0]).toBe(100);
    expect(seen).toEqual([100, ...uiValues]);
  });

  await test.step('after a page reload the widgets render again without re-running cells', async () => {
    expect(await page.notebook.save()).toBe(true);
    await reloadPage(page);
    await expect(page.activity.getTabLocator(NOTEBOOK)).toHaveAttribute('aria-selected', 'true');
    const after = await widgets(page);
    const finalValue = uiValues[uiValues.length - 1];
    await expect(after.label).toHaveText('low');
    await expect(after.handle).toHaveAttribute('aria-valuenow', finalValue.toFixed(1));
    await expect(after.readout).toHaveText(finalValue.toFixed(2));
    await expect(after.select).toHaveValue('cartoon');
    await expect(after.echo).toHaveText(JSON.stringify([100, ...uiValues]));
    // The same kernel still holds the state: no cell ran again (the execution counts are the
    // saved ones) and the restored views still drive the kernel's models.
    // (Read from the notebook model: right after a reload JupyterLab's windowed list may briefly
    // hold a second DOM copy of a cell, which made a prompt locator ambiguous.)
    expect((await executionCounts(page)).slice(0, 2)).toEqual([1, 2]);
    const next = await stepRight(page, uiValues.length + 2);
    expect(next).toBeGreaterThan(finalValue);
    expect(await seenByKernel(after.echo)).toEqual([100, ...uiValues, next]);
  });
});
