/**
 * The install CLI, run as a user runs it (bin/jupyterlab-webrtc-kernel.js install/uninstall) into
 * temporary folders: the kernelspec it writes for --prefix, --user and --sys-prefix, that uninstall
 * removes it again, the options it refuses, and its warning when the JupyterLab extension is not
 * in any Jupyter data directory.
 */
import { execFile } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { KERNEL_SCRIPT } from './kernel-client';

const run = promisify(execFile);
const scratch = (name: string) => realpathSync(mkdtempSync(path.join(tmpdir(), `${name}-`)));
// No jupyter on PATH (an empty folder), no environment, a user data dir of the test's own: what the
// CLI finds is only what each test lays out. process.execPath is absolute, so node needs no PATH.
const emptyPath = scratch('kernel-empty-path');
const userData = scratch('kernel-user-data');
const baseEnv = {
  ...process.env,
  PATH: emptyPath,
  VIRTUAL_ENV: '',
  CONDA_PREFIX: '',
  JUPYTER_PATH: '',
  JUPYTER_DATA_DIR: userData,
};
const cliIn = (env: Record<string, string>, ...args: string[]) =>
  run(process.execPath, [KERNEL_SCRIPT, ...args], { env: { ...baseEnv, ...env } });
const cli = (...args: string[]) => cliIn({}, ...args);
const specIn = (dataDir: string) => path.join(dataDir, 'kernels', 'typescript-webrtc', 'kernel.json');
/** A labextension as the wheel installs it: share/jupyter/labextensions/jupyterlab-webrtc/package.json. */
const fakeLabExtension = (dataDir: string) => {
  mkdirSync(path.join(dataDir, 'labextensions', 'jupyterlab-webrtc'), { recursive: true });
  writeFileSync(path.join(dataDir, 'labextensions', 'jupyterlab-webrtc', 'package.json'), '{}');
};

describe('install CLI', () => {
  const prefix = realpathSync(mkdtempSync(path.join(tmpdir(), 'kernel-prefix-')));
  const specDir = path.join(prefix, 'share', 'jupyter', 'kernels', 'typescript-webrtc');

  it('installs kernel.json under <prefix>/share/jupyter/kernels/typescript-webrtc', async () => {
    const { stdout } = await cli('install', '--prefix', prefix);
    expect(stdout).toBe(`Installed "TypeScript (WebRTC)" in ${specDir}\n`);
    const spec = JSON.parse(readFileSync(path.join(specDir, 'kernel.json'), 'utf8'));
    expect(spec).toEqual({
      argv: [process.execPath, KERNEL_SCRIPT, 'kernel', '{connection_file}'],
      display_name: 'TypeScript (WebRTC)',
      language: 'typescript',
      interrupt_mode: 'message',
      metadata: { debugger: false },
    });
    // The script it points at is the one that starts the kernel.
    expect(existsSync(spec.argv[1])).toBe(true);
  });

  it('installs again over an existing (stale) spec, rewriting it', async () => {
    writeFileSync(path.join(specDir, 'kernel.json'), JSON.stringify({ argv: ['old'], display_name: 'stale' }));
    await cli('install', '--prefix', prefix);
    const spec = JSON.parse(readFileSync(path.join(specDir, 'kernel.json'), 'utf8'));
    expect([spec.display_name, spec.argv[1]]).toEqual(['TypeScript (WebRTC)', KERNEL_SCRIPT]);
  });

  it('uninstall removes the kernelspec folder, and says so when there is nothing to remove', async () => {
    expect((await cli('uninstall', '--prefix', prefix)).stdout).toBe(`Removed ${specDir}\n`);
    expect(existsSync(specDir)).toBe(false);
    expect(existsSync(path.join(prefix, 'share', 'jupyter', 'kernels'))).toBe(true);
    expect((await cli('uninstall', '--prefix', prefix)).stdout).toBe('"TypeScript (WebRTC)" was not installed there\n');
  });

  it('refuses a --prefix without a folder and an unknown command, with usage and a non-zero exit', async () => {
    await expect(cli('install', '--prefix')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--prefix needs a folder/),
    });
    await expect(cli('frobnicate')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/^usage:/) });
    expect(existsSync(specDir)).toBe(false);
  });

  it('refuses an unknown option and two scopes at once, installing nothing', async () => {
    await expect(cli('install', '--usr')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/unknown option "--usr"/),
    });
    await expect(cli('install', '--user', '--prefix', prefix)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/only one of --user, --sys-prefix and --prefix/),
    });
    await expect(cli('install', '--prefix', '--user')).rejects.toMatchObject({
      stderr: expect.stringMatching(/--prefix needs a folder/),
    });
    expect(existsSync(specDir)).toBe(false);
    expect(existsSync(specIn(userData))).toBe(false);
  });

  it('accepts --prefix=DIR', async () => {
    const other = scratch('kernel-prefix-eq');
    await cli('install', `--prefix=${other}`);
    expect(existsSync(specIn(path.join(other, 'share', 'jupyter')))).toBe(true);
  });
});

describe('install CLI scopes', () => {
  it('--user writes into the user data dir (JUPYTER_DATA_DIR) and uninstall --user removes it', async () => {
    const user = scratch('kernel-user');
    expect((await cliIn({ JUPYTER_DATA_DIR: user }, 'install', '--user')).stdout).toContain(path.join(user, 'kernels'));
    expect(existsSync(specIn(user))).toBe(true);
    await cliIn({ JUPYTER_DATA_DIR: user }, 'uninstall', '--user');
    expect(existsSync(specIn(user))).toBe(false);
  });

  it('--sys-prefix writes into the active environment, and refuses without one', async () => {
    const venv = scratch('kernel-venv');
    await cliIn({ VIRTUAL_ENV: venv }, 'install', '--sys-prefix');
    expect(existsSync(specIn(path.join(venv, 'share', 'jupyter')))).toBe(true);
    await expect(cli('install', '--sys-prefix')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--sys-prefix needs an active virtualenv or conda environment/),
    });
  });

  it('without a flag installs into the active environment (conda too), else into the user data dir', async () => {
    const conda = scratch('kernel-conda');
    await cliIn({ CONDA_PREFIX: conda }, 'install');
    expect(existsSync(specIn(path.join(conda, 'share', 'jupyter')))).toBe(true);
    const user = scratch('kernel-user-default');
    await cliIn({ JUPYTER_DATA_DIR: user }, 'install');
    expect(existsSync(specIn(user))).toBe(true);
  });
});

describe('install CLI: is the JupyterLab extension there?', () => {
  const warning = /Warning: the JupyterLab extension "jupyterlab-webrtc" was not found/;

  it('warns with the fix when no data dir has it, and still installs (exit 0)', async () => {
    const prefix = scratch('kernel-no-ext');
    const { stdout, stderr } = await cli('install', '--prefix', prefix);
    expect(stdout).toMatch(/^Installed "TypeScript \(WebRTC\)"/);
    expect(existsSync(specIn(path.join(prefix, 'share', 'jupyter')))).toBe(true);
    expect(stderr).toMatch(warning);
    expect(stderr).toContain('pip install jupyterlab-webrtc');
    // It names where it looked: the prefix's and the user's data dirs.
    expect(stderr).toContain(path.join(prefix, 'share', 'jupyter', 'labextensions'));
    expect(stderr).toContain(path.join(userData, 'labextensions'));
  });

  it('says nothing when the install prefix has the labextension', async () => {
    const prefix = scratch('kernel-ext-prefix');
    fakeLabExtension(path.join(prefix, 'share', 'jupyter'));
    expect((await cli('install', '--prefix', prefix)).stderr).toBe('');
  });

  it('finds it in the user data dir, in JUPYTER_PATH, and in the active environment', async () => {
    const user = scratch('kernel-ext-user');
    fakeLabExtension(user);
    expect((await cliIn({ JUPYTER_DATA_DIR: user }, 'install', '--user')).stderr).toBe('');

    const extra = scratch('kernel-ext-jupyter-path');
    fakeLabExtension(extra);
    const env = { JUPYTER_PATH: [scratch('kernel-empty'), extra].join(path.delimiter) };
    expect((await cliIn(env, 'install', '--prefix', scratch('kernel-p'))).stderr).toBe('');

    const venv = scratch('kernel-ext-venv');
    fakeLabExtension(path.join(venv, 'share', 'jupyter'));
    expect((await cliIn({ VIRTUAL_ENV: venv }, 'install', '--user')).stderr).toBe('');
  });

  it("asks the prefix's own jupyter for its data dirs (jupyter --paths --json)", async () => {
    const prefix = scratch('kernel-ext-jupyter');
    const elsewhere = scratch('kernel-ext-elsewhere');
    fakeLabExtension(elsewhere);
    // A stand-in jupyter that reports a data dir the computed ones do not include.
    mkdirSync(path.join(prefix, 'bin'));
    const paths = JSON.stringify({ data: [elsewhere] });
    writeFileSync(path.join(prefix, 'bin', 'jupyter'), `#!/bin/sh\necho '${paths}'\n`, { mode: 0o755 });
    expect((await cli('install', '--prefix', prefix)).stderr).toBe('');
  });

  it('a jupyter that prints nonsense is ignored: the computed dirs decide', async () => {
    const prefix = scratch('kernel-ext-bad-jupyter');
    mkdirSync(path.join(prefix, 'bin'));
    writeFileSync(path.join(prefix, 'bin', 'jupyter'), '#!/bin/sh\necho not json; exit 3\n', { mode: 0o755 });
    const { stderr } = await cli('install', '--prefix', prefix);
    expect(stderr).toMatch(warning);
  });
});
