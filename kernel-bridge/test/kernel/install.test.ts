/**
 * The install CLI, run as a user runs it (bin/jupyterlab-webrtc-kernel.js install/uninstall) into
 * a temporary --prefix: the kernelspec it writes, and that uninstall removes it again.
 */
import { execFile } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { KERNEL_SCRIPT } from './kernel-client';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, [KERNEL_SCRIPT, ...args], { env: { ...process.env, VIRTUAL_ENV: '', CONDA_PREFIX: '' } });

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
});
