/**
 * Browser side shared by the WebRTC benches (g2g/, soak/): Debian's Chromium through the
 * playwright-core of ui-tests/, the flags that let it do WebRTC in a loopback-only network
 * namespace without any outside traffic, the page server, and the page's signalling hooks.
 *
 * The bench page (g2g/page.html) calls two functions the driver exposes, g2gOffer(sdp) -> answer
 * sdp and g2gCandidate(candidateInit | null), and optionally g2gStop() when its session stops;
 * the driver hands the kernel's candidates to the page's g2g.addCandidate(c).
 */
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..', '..');
const { chromium } = require(require.resolve('playwright-core', { paths: [path.join(repo, 'ui-tests')] }));

const DEFAULT_CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  // camera permission (fake device) unlocks raw host ICE candidates, see g2g/page.html
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

/** The bench page shared by g2g and soak. */
const PAGE = path.join(__dirname, '..', 'g2g', 'page.html');

/** Exits unless every network interface is internal (run under `unshare -n`). */
function requireLoopbackNamespace(command) {
  const isolated = Object.values(os.networkInterfaces()).every((a) => (a ?? []).every((x) => x.internal));
  if (!isolated) {
    console.error(`run inside a loopback-only namespace: unshare -n bash -c 'ip link set lo up && ${command}'`);
    process.exit(2);
  }
}

/** The stamped canvas camera and its reader (browser script), served to the bench page as /stamp.js. */
const STAMP_SCRIPT = path.join(__dirname, 'stamp.js');

/** Serves one HTML file (any path but /stamp.js) on 127.0.0.1; resolves to {url, close}. */
async function servePage(file = PAGE) {
  const html = fs.readFileSync(file);
  const stamp = fs.readFileSync(STAMP_SCRIPT);
  const server = http.createServer((req, res) => {
    const script = req.url === '/stamp.js';
    res.writeHead(200, {
      'content-type': script ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(script ? stamp : html);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

function launchChromium(executablePath = DEFAULT_CHROMIUM) {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/** One line about the machine, for the top of a bench's output. */
function machineLine(browser) {
  return `node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0].model}), load ${loadavg()}, chromium ${browser.version()}`;
}

/**
 * A new page with the signalling hooks exposed; `url` is loaded. Handlers:
 *   onOffer(sdp) -> Promise<answer sdp>, onCandidate(candidateInit | null), onStop() (optional).
 * Returns {page, addCandidate(c), consoleErrors}; addCandidate passes a kernel candidate in.
 */
async function openSignallingPage(browser, url, { onOffer, onCandidate, onStop, debug = () => undefined }) {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('crash', () => console.error('bench: the page crashed'));
  await page.exposeFunction('g2gCandidate', (c) => {
    debug('browser candidate', JSON.stringify(c));
    onCandidate(c);
  });
  await page.exposeFunction('g2gOffer', (sdp) => onOffer(sdp));
  if (onStop) await page.exposeFunction('g2gStop', () => onStop());
  await page.goto(url);
  const addCandidate = (c) => {
    debug('kernel candidate', JSON.stringify(c));
    return page.evaluate((cc) => window.g2g.addCandidate(cc), c).catch(() => undefined);
  };
  return { page, addCandidate, consoleErrors };
}

module.exports = {
  CHROMIUM_ARGS,
  DEFAULT_CHROMIUM,
  PAGE,
  STAMP_SCRIPT,
  requireLoopbackNamespace,
  servePage,
  launchChromium,
  loadavg,
  machineLine,
  openSignallingPage,
};
