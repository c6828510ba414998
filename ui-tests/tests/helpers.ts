/** Shared steps for the UI tests: notebooks on our kernel, cells set through the notebook model. */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect } from '@jupyterlab/galata';

const KERNEL_NAME = 'typescript-webrtc';
const KERNEL_DISPLAY_NAME = 'TypeScript (WebRTC)';

/** Kernel's first cell pays for the TypeScript warm-up (3-6 s, more on a busy 2-core machine). */
export const CELL_TIMEOUT = 60_000;

/** Opens a new notebook on the TypeScript (WebRTC) kernel and waits until the kernel is idle. */
export async function newTypeScriptNotebook(page: IJupyterLabPageFixture, name: string): Promise<void> {
  const created = await page.notebook.createNew(name, { kernel: KERNEL_NAME });
  expect(created).toBe(name);
  await expect(page.locator('.jp-NotebookPanel-toolbar .jp-KernelName')).toHaveText(KERNEL_DISPLAY_NAME);
  await waitForKernelIdle(page);
}

/** The status bar's kernel item reads "<kernel> | Idle" once the kernel answered and is idle. */
export async function waitForKernelIdle(page: IJupyterLabPageFixture, timeout = CELL_TIMEOUT): Promise<void> {
  await expect(page.locator('#jp-main-statusbar').getByText('Idle')).toBeVisible({ timeout });
}

/**
 * Sets the source of code cell `index` of the active notebook, appending cells as needed. Goes
 * through the shared model instead of typing, so CodeMirror's auto-close and auto-indent cannot
 * change the code (and it is much faster than typing).
 */
export async function setCode(page: IJupyterLabPageFixture, index: number, source: string): Promise<void> {
  await page.evaluate(
    ({ index, source }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const panel = (window as any).jupyterapp.shell.currentWidget;
      const notebook = panel.content.model.sharedModel;
      while (notebook.cells.length <= index) {
        notebook.insertCell(notebook.cells.length, { cell_type: 'code', source: '' });
      }
      notebook.getCell(index).setSource(source);
    },
    { index, source },
  );
}

/** Sets and runs cell `index`, waiting until it has an execution count and the kernel is idle. */
export async function runCode(page: IJupyterLabPageFixture, index: number, source: string): Promise<void> {
  await setCode(page, index, source);
  expect(await page.notebook.runCell(index)).toBe(true);
}

/** The text of every output of cell `index` joined by newlines ('' when it has none). */
export async function outputText(page: IJupyterLabPageFixture, index: number): Promise<string> {
  return ((await page.notebook.getCellTextOutput(index)) ?? []).join('\n');
}

/** Fails with the error text if cell `index` has an error output (a failed cell still "runs"). */
export async function expectNoErrors(page: IJupyterLabPageFixture, index: number): Promise<void> {
  const output = (await page.notebook.getCellOutputLocator(index))!;
  const errors = output.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
  expect(await errors.allTextContents()).toEqual([]);
}

/**
 * Reloads JupyterLab and waits until it has started and restored its layout. Uses galata's own
 * `reload` (it re-installs the in-page helpers that `page.notebook` needs), without its readiness
 * check, which waits for a Launcher tab the restored layout does not have. (The fixture's type
 * only exposes Playwright's `reload`.)
 */
export async function reloadPage(page: IJupyterLabPageFixture): Promise<void> {
  // Galata creates "Untitled.ipynb" and renames it; JupyterLab moves the kernel session to the new
  // path with a request of its own. A reload before the server has the session under the current
  // path opens the notebook with a new kernel ("model not found" for every widget): wait for it.
  const path = await page.evaluate(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    () => (window as any).jupyterapp.shell.currentWidget.context.path as string,
  );
  await expect
    .poll(
      async () => {
        const sessions = (await (await page.request.get('/api/sessions')).json()) as { path: string }[];
        return sessions.map((session) => session.path);
      },
      { timeout: 30_000 },
    )
    .toContain(path);
  const galataPage = page as unknown as { reload(options: { waitForIsReady: boolean }): Promise<unknown> };
  await galataPage.reload({ waitForIsReady: false });
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
}
