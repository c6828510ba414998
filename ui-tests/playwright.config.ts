/**
 * Galata / Playwright configuration for the jupyterlab-webrtc UI tests.
 *
 * A real JupyterLab server from ../.venv (with our extension and kernel installed by
 * scripts/setup.sh), Debian's Chromium (never a downloaded browser), one worker and generous
 * timeouts for a shared 2-core machine. Run through scripts/run-ui-tests.sh, which puts the server,
 * the kernels and Chromium in a loopback-only network namespace.
 */
import { defineConfig } from '@playwright/test';

// Galata's base config is CommonJS, as in Galata's own examples.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BASE_URL = 'http://127.0.0.1:8888';
// The checkout's venv, or (scripts/test-installed.sh) the jupyter of a fresh installation of the released artifacts.
const JUPYTER = process.env.UI_TESTS_JUPYTER ?? '../.venv/bin/jupyter';
// A run against an installation (scripts/test-installed.sh) keeps the full run's log.
const SERVER_LOG = process.env.UI_TESTS_JUPYTER ? 'jupyter-server-installed.log' : 'jupyter-server.log';

export default defineConfig({
  ...baseConfig,
  testDir: './tests',
  outputDir: './test-results',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'playwright-report' }],
    ['json', { outputFile: 'test-results.json' }],
  ],
  use: {
    ...baseConfig.use,
    browserName: 'chromium',
    baseURL: BASE_URL,
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    permissions: ['camera'],
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--allow-loopback-in-peer-connection',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    // Playwright records video with an ffmpeg build of its own, which is not downloaded here.
    video: 'off',
  },
  webServer: {
    // The server's log (and the kernels' stderr) goes to jupyter-server.log, for failures.
    command: `${JUPYTER} lab --config jupyter_server_test_config.py >${SERVER_LOG} 2>&1`,
    url: `${BASE_URL}/lab`,
    timeout: 120_000,
    reuseExistingServer: false,
  },
});
