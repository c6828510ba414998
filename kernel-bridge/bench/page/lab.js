/**
 * The real JupyterLab of bench/page/run.js: starts `jupyter lab` from the worktree's .venv (with
 * our extension and kernel, installed by scripts/setup.sh) on a free loopback port, opens it in
 * Chromium with the bench's init scripts, and drives notebooks through JupyterLab's own commands
 * (window.jupyterapp), as a user would: new notebook on our kernel, cells run, widgets clicked.
 */
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const { STAMP_SCRIPT } = require('../shared/chromium');

const repo = path.resolve(__dirname, '..', '..', '..');
const JUPYTER = path.join(repo, '.venv', 'bin', 'jupyter');
const KERNEL_NAME = 'typescript-webrtc';
const INJECT_SCRIPT = path.join(__dirname, 'inject.js');
const SERVER_TIMEOUT_MS = 90_000;
const CELL_TIMEOUT_MS = 120_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts JupyterLab with no token (loopback-only namespace), a temporary root and settings
 * (notebook windowing off, so every cell stays rendered); resolves to {url, pid, log, stop()}.
 */
async function startJupyterLab() {
  if (!fs.existsSync(JUPYTER)) throw new Error(`${JUPYTER} is missing: run bash scripts/setup.sh first`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pagebench-'));
  const root = path.join(tmp, 'root');
  const settings = path.join(tmp, 'settings');
  const notebookSettings = path.join(settings, '@jupyterlab', 'notebook-extension');
  fs.mkdirSync(root);
  fs.mkdirSync(notebookSettings, { recursive: true });
  fs.writeFileSync(
    path.join(notebookSettings, 'tracker.jupyterlab-settings'),
    JSON.stringify({ windowingMode: 'none' }),
  );
  const port = await freePort();
  const log = path.join(tmp, 'jupyter-server.log');
  const out = fs.openSync(log, 'a');
  const child = spawn(
    JUPYTER,
    [
      'lab',
      '--no-browser',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      '--IdentityProvider.token=',
      '--ServerApp.password=',
      '--ServerApp.disable_check_xsrf=True',
      '--ServerApp.allow_root=True',
      '--LabApp.expose_app_in_browser=True',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      `--ServerApp.root_dir=${root}`,
      `--LabApp.user_settings_dir=${settings}`,
      `--LabApp.workspaces_dir=${path.join(tmp, 'workspaces')}`,
    ],
    { stdio: ['ignore', out, out] },
  );
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + SERVER_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`jupyter lab exited at start; see ${log}`);
    try {
      const res = await fetch(`${url}api/status`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`jupyter lab did not answer in ${SERVER_TIMEOUT_MS} ms; see ${log}`);
    await sleep(200);
  }
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM'); // by pid: jupyter shuts its kernels down
    for (let i = 0; i < 100 && !exited; i++) await sleep(100);
    if (!exited) child.kill('SIGKILL');
  };
  return { url, pid: child.pid, log, stop };
}

/**
 * Opens JupyterLab in a new page with the stamp script and inject.js as init scripts, and the echo's
 * signalling hooks exposed; resolves once the app has restored its layout.
 */
async function openLab(browser, url, { onEchoOffer, onEchoCandidate }) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('crash', () => console.error('pagebench: the page crashed'));
  await page.exposeFunction('pagebenchEchoOffer', (id, sdp) => onEchoOffer(id, sdp));
  await page.exposeFunction('pagebenchEchoCandidate', (id, c) => onEchoCandidate(id, c));
  await page.addInitScript({ path: STAMP_SCRIPT });
  await page.addInitScript({ path: INJECT_SCRIPT });
  await page.goto(`${url}lab`);
  await page.waitForFunction(() => window.jupyterapp !== undefined, null, { timeout: SERVER_TIMEOUT_MS });
  await page.evaluate(() => window.jupyterapp.restored);
  return { page, consoleErrors };
}

/**
 * A fresh kernel: creates a notebook on our kernel and runs `code` in its first cell at once, the
 * way a user runs the first cell of a new notebook. Returns the page times from the command to the
 * session being ready and to the first output shown, and the outputs (JSON).
 */
function newNotebookFirstResult(page, code) {
  return page.evaluate(
    async ({ kernelName, code, timeout }) => {
      const app = window.jupyterapp;
      const t0 = performance.now();
      const panel = await app.commands.execute('notebook:create-new', { kernelName });
      window.pagebench.panel = panel;
      await panel.context.ready;
      await panel.sessionContext.ready;
      const sessionReady = performance.now();
      const notebook = panel.content;
      notebook.model.sharedModel.getCell(0).setSource(code);
      notebook.activeCellIndex = 0;
      const node = notebook.widgets[0].node;
      const shown = new Promise((resolve, reject) => {
        const give = setTimeout(() => reject(new Error('no output from the first cell')), timeout);
        const look = () => {
          if (node.querySelector('.jp-OutputArea-output')) {
            clearTimeout(give);
            resolve(performance.now());
          } else setTimeout(look, 2);
        };
        look();
      });
      await app.commands.execute('notebook:run-cell');
      const firstShown = await shown;
      return {
        sessionReadyMs: sessionReady - t0,
        firstResultMs: firstShown - t0,
        outputs: notebook.widgets[0].model.outputs.toJSON(),
      };
    },
    { kernelName: KERNEL_NAME, code, timeout: CELL_TIMEOUT_MS },
  );
}

/** Sets cell `index` of the bench's notebook to `code` (adding cells), runs it, returns its outputs. */
async function runCell(page, index, code) {
  const outputs = await page.evaluate(
    async ({ index, code }) => {
      const panel = window.pagebench.panel;
      const notebook = panel.content;
      const shared = notebook.model.sharedModel;
      while (shared.cells.length <= index) shared.insertCell(shared.cells.length, { cell_type: 'code', source: '' });
      shared.getCell(index).setSource(code);
      notebook.activeCellIndex = index;
      await window.jupyterapp.commands.execute('notebook:run-cell');
      return notebook.widgets[index].model.outputs.toJSON();
    },
    { index, code },
  );
  const failed = outputs.filter(
    (o) => o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'),
  );
  if (failed.length) {
    const text = failed.map((o) => (o.output_type === 'error' ? `${o.ename}: ${o.evalue}` : o.text)).join('\n');
    throw new Error(`cell ${index} failed: ${text}`);
  }
  return outputs;
}

/** The text/plain of a cell's execute_result, or ''. */
function resultText(outputs) {
  const r = outputs.find((o) => o.output_type === 'execute_result');
  const t = r?.data?.['text/plain'];
  return Array.isArray(t) ? t.join('') : (t ?? '');
}

/** Shuts the bench notebook's kernel down and closes the notebook without saving. */
async function closeNotebook(page) {
  await page.evaluate(async () => {
    const panel = window.pagebench.panel;
    if (!panel) return;
    window.pagebench.panel = null;
    await panel.sessionContext.shutdown();
    panel.context.model.dirty = false;
    panel.dispose();
  });
}

module.exports = { startJupyterLab, openLab, newNotebookFirstResult, runCell, resultText, closeNotebook };
