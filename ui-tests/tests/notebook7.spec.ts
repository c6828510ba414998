/**
 * Issue 13: the same extension in Notebook 7's UI (/notebooks/<path>, served by the same Jupyter
 * server as JupyterLab). A notebook on our kernel runs the invert transform; Start plays the fake
 * camera's picture (left half dark, right half bright) through the kernel and the output video's
 * pixels must be inverted, as in streaming.spec.ts. Plain Playwright: galata's fixtures drive the
 * JupyterLab UI, not Notebook 7's.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@playwright/test';
import { fakeCameraFrom, grey, outputThirds, writeHalvesPicture } from './helpers';

const W = 320;
const H = 240;
const DARK = 40;
const BRIGHT = 210;

test.use({ launchOptions: fakeCameraFrom(writeHalvesPicture('notebook7', W, H, DARK, BRIGHT)) });

const STREAM_CELL = `import { webrtcStreamer, createI420Frame } from "jupyterlab-webrtc-bridge";
import { map } from "rxjs";
const ctx = webrtcStreamer({ key: "notebook7-invert" });
ctx.transform((frames$) => frames$.pipe(
  map((frame) => {
    const out = createI420Frame(frame.width, frame.height, frame.timestamp, new Uint8Array(frame.data));
    for (let i = 0; i < out.y.length; i++) out.y[i] = 255 - frame.y[i];
    return out;
  }),
));
ctx`;

/** A notebook file on our kernel with the streamer cell, written through the contents API. */
function notebookOnOurKernel(source: string) {
  return {
    type: 'notebook',
    content: {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: 'typescript-webrtc', display_name: 'TypeScript (WebRTC)', language: 'typescript' },
      },
      cells: [{ cell_type: 'code', id: 'stream', metadata: {}, source, outputs: [], execution_count: null }],
    },
  };
}

/** The notebook this test made: its kernel is shut down after the test, passed or failed. */
let notebook: string | null = null;

test.afterEach(async ({ request }) => {
  if (!notebook) return;
  const name = notebook;
  notebook = null;
  // Shut the kernel down (even when the test failed): the next repetition starts from a clean server.
  const sessions = (await (await request.get('/api/sessions')).json()) as { id: string; path: string }[];
  for (const session of sessions.filter((s) => s.path === name)) {
    expect((await request.delete(`/api/sessions/${session.id}`)).status()).toBe(204);
  }
});

test('Notebook 7: camera → kernel invert transform → browser, pixels inverted', async ({ page }) => {
  const name = `notebook7-${test.info().repeatEachIndex}-${Date.now()}.ipynb`;
  const created = await page.request.put(`/api/contents/${name}`, { data: notebookOnOurKernel(STREAM_CELL) });
  expect(created.status()).toBe(201);
  notebook = name;

  await page.goto(`/notebooks/${name}`);
  expect(new URL(page.url()).pathname).toBe(`/notebooks/${name}`); // not redirected to JupyterLab
  // Notebook 7's own shell (not JupyterLab's) with the notebook open on our kernel.
  await expect(page.locator('#main-panel .jp-NotebookPanel')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('.jp-NotebookPanel-toolbar .jp-KernelName, #jp-kernel-name')).toContainText(
    'TypeScript (WebRTC)',
    { timeout: 60_000 },
  );
  // Run the cell (the first) from Notebook 7's toolbar, as a user does (galata's notebook helpers
  // drive JupyterLab's shell). Run before the kernel is connected clears the cell and runs nothing
  // (the kernel status's fade class comes while it starts or connects too, so it is no sign of
  // idle): the execution count in the cell's prompt is what says the cell ran, and the run is
  // repeated until the cell is running or ran ("[*]" / "[n]"), never while it is.
  const prompt = page.locator('.jp-Notebook .jp-Cell').first().locator('.jp-InputPrompt');
  await expect(async () => {
    if (!/\[(\d+|\*)\]/.test((await prompt.textContent()) ?? '')) {
      // the first cell is the one to run; galata's notebook helpers drive JupyterLab's shell, not Notebook 7's
      // eslint-disable-next-line jupyter/galata-prefer-notebook-cell-helper
      await prompt.click();
      await page.getByRole('button', { name: 'Run this cell and advance' }).click();
    }
    await expect(prompt).toHaveText(/\[\d+\]/, { timeout: 15_000 });
  }).toPass({ timeout: 120_000 });

  const widget = page.locator('.jp-webrtc').first();
  await expect(widget.locator('.jp-webrtc-start')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).toHaveCount(0);
  await widget.locator('.jp-webrtc-start').click();
  await expect(widget.locator('.jp-webrtc-status')).toHaveText(/^playing/i, { timeout: 30_000 });

  // outputThirds reads only the page's <video>: any Playwright page will do.
  const pixels = () => outputThirds(page as unknown as IJupyterLabPageFixture);
  await expect
    .poll(
      async () => {
        const thirds = await pixels();
        if (!thirds) return 'no picture';
        const [left, right] = [grey(thirds.left), grey(thirds.right)];
        if (left > BRIGHT - 45 && right < DARK + 45) return 'inverted';
        return `not inverted: left ${left.toFixed(0)}, right ${right.toFixed(0)}`;
      },
      { timeout: 30_000 },
    )
    .toBe('inverted');

  await widget.locator('.jp-webrtc-stop').click();
  await expect(widget.locator('.jp-webrtc-status')).toHaveText(/^stopped/i, { timeout: 30_000 });
});
