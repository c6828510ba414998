/**
 * Installs the kernelspec by writing kernel.json ourselves: no Python of ours is needed, only a
 * Jupyter data directory to write into.
 */
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'fs';
import { homedir } from 'os';
import * as path from 'path';

const KERNEL_NAME = 'typescript-webrtc';
export const DISPLAY_NAME = 'TypeScript (WebRTC)';

export type InstallScope = { kind: 'user' } | { kind: 'sys-prefix' } | { kind: 'prefix'; prefix: string };

/** `[--user | --sys-prefix | --prefix DIR]`: at most one, nothing else (a typo must not install elsewhere). */
export function parseScope(args: readonly string[]): InstallScope {
  const scopes: InstallScope[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--user') scopes.push({ kind: 'user' });
    else if (arg === '--sys-prefix') scopes.push({ kind: 'sys-prefix' });
    else if (arg === '--prefix' || arg.startsWith('--prefix=')) {
      const prefix = arg === '--prefix' ? args[++i] : arg.slice('--prefix='.length);
      if (!prefix || prefix.startsWith('--')) throw new Error('--prefix needs a folder');
      scopes.push({ kind: 'prefix', prefix: path.resolve(prefix) });
    } else throw new Error(`unknown option "${arg}" (expected --user, --sys-prefix or --prefix DIR)`);
  }
  if (scopes.length > 1) throw new Error('give only one of --user, --sys-prefix and --prefix DIR');
  if (scopes.length === 1) return scopes[0];
  // Like `pip install` in an active environment: default to it when one is active.
  return activeEnvironment() ? { kind: 'sys-prefix' } : { kind: 'user' };
}

function kernelsDir(scope: InstallScope): string {
  switch (scope.kind) {
    case 'prefix':
      return path.join(scope.prefix, 'share', 'jupyter', 'kernels');
    case 'sys-prefix': {
      const env = activeEnvironment();
      if (!env)
        throw new Error('--sys-prefix needs an active virtualenv or conda environment (VIRTUAL_ENV / CONDA_PREFIX)');
      return path.join(env, 'share', 'jupyter', 'kernels');
    }
    case 'user':
      return path.join(userDataDir(), 'kernels');
  }
}

export function install(scope: InstallScope, kernelScript: string): string {
  const dir = path.join(kernelsDir(scope), KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [process.execPath, kernelScript, 'kernel', '{connection_file}'],
    display_name: DISPLAY_NAME,
    language: 'typescript',
    // The stop button then arrives on control, read by a worker thread that can end a cell the
    // main thread is stuck in (see transport/control-worker.ts); a signal could not reach it.
    interrupt_mode: 'message',
    metadata: { debugger: false },
  };
  writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(spec, null, 2) + '\n');
  return dir;
}

export function uninstall(scope: InstallScope): string | null {
  const dir = path.join(kernelsDir(scope), KERNEL_NAME);
  if (!existsSync(dir)) return null;
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

function activeEnvironment(): string | undefined {
  return process.env.VIRTUAL_ENV || process.env.CONDA_PREFIX || undefined;
}

/** jupyter_core's user data dir, per platform. */
export function userDataDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? homedir(), 'jupyter');
  const xdg = env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share');
  return path.join(xdg, 'jupyter');
}
