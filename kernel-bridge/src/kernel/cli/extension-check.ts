/**
 * After `jupyterlab-webrtc-kernel install`: is the JupyterLab extension (the Python package
 * jupyterlab-webrtc) there too? The kernel runs without it, but its streamer widget shows only as
 * "Error displaying widget" then, so the install warns with the fix. Never fails the install.
 *
 * Where Jupyter looks: the data directories of `jupyter --paths` (JUPYTER_PATH, the user's data
 * dir, the environment's share/jupyter, the system's). They are computed here as jupyter_core does,
 * plus the install's own prefix, plus what the `jupyter` on PATH (or in that prefix) says, if any.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import * as path from 'path';
import { userDataDir, type InstallScope } from './install';

const LABEXTENSION_NAME = 'jupyterlab-webrtc';
const EXTENSION_FIX = 'pip install jupyterlab-webrtc';

/** How long `jupyter --paths --json` may take; it starts a Python interpreter. */
const JUPYTER_PATHS_TIMEOUT_MS = 15_000;
/** Its output is a few paths; anything bigger is not what we asked for. */
const JUPYTER_PATHS_MAX_BYTES = 64 * 1024;

type Env = Readonly<Record<string, string | undefined>>;

/** The prefix an install scope writes into (share/jupyter under it), if it has one. */
function scopePrefix(scope: InstallScope, env: Env): string | undefined {
  if (scope.kind === 'prefix') return scope.prefix;
  if (scope.kind === 'sys-prefix') return env.VIRTUAL_ENV || env.CONDA_PREFIX || undefined;
  return undefined;
}

/** jupyter_core's data path without running Python: JUPYTER_PATH, user, environment, system. */
function jupyterDataDirs(scope: InstallScope, env: Env = process.env): string[] {
  const dirs = (env.JUPYTER_PATH ?? '').split(path.delimiter).filter(Boolean);
  dirs.push(userDataDir(env));
  const prefix = scopePrefix(scope, env);
  if (prefix) dirs.push(path.join(prefix, 'share', 'jupyter'));
  for (const active of [env.VIRTUAL_ENV, env.CONDA_PREFIX]) {
    if (active) dirs.push(path.join(active, 'share', 'jupyter'));
  }
  if (process.platform === 'win32') {
    if (env.PROGRAMDATA) dirs.push(path.join(env.PROGRAMDATA, 'jupyter'));
  } else {
    dirs.push('/usr/local/share/jupyter', '/usr/share/jupyter');
  }
  return [...new Set(dirs.map((dir) => path.resolve(dir)))];
}

/** The data dirs the `jupyter` of the install's prefix (else the one on PATH) reports; [] without one. */
function askJupyterForDataDirs(scope: InstallScope, env: Env = process.env): string[] {
  const prefix = scopePrefix(scope, env);
  const inPrefix = prefix && path.join(prefix, process.platform === 'win32' ? 'Scripts' : 'bin', 'jupyter');
  const command = inPrefix && existsSync(inPrefix) ? inPrefix : 'jupyter';
  try {
    const out = execFileSync(command, ['--paths', '--json'], {
      env: env as NodeJS.ProcessEnv,
      encoding: 'utf8',
      timeout: JUPYTER_PATHS_TIMEOUT_MS,
      maxBuffer: JUPYTER_PATHS_MAX_BYTES,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const data = (JSON.parse(out) as { data?: unknown }).data;
    return Array.isArray(data) ? data.filter((dir): dir is string => typeof dir === 'string' && dir.length > 0) : [];
  } catch {
    // No jupyter on PATH (the extension is then missing too, or lives where we computed), or a
    // jupyter that does not answer: the computed directories decide.
    return [];
  }
}

/** The labextension's package.json in the first data dir that has it, or null. */
function findLabExtension(dataDirs: readonly string[]): string | null {
  for (const dir of dataDirs) {
    const manifest = path.join(dir, 'labextensions', LABEXTENSION_NAME, 'package.json');
    if (existsSync(manifest)) return manifest;
  }
  return null;
}

/** The warning to print when the extension is missing, or null when it is there. */
export function missingExtensionWarning(scope: InstallScope, env: Env = process.env): string | null {
  const dirs = [...new Set([...jupyterDataDirs(scope, env), ...askJupyterForDataDirs(scope, env)])];
  if (findLabExtension(dirs)) return null;
  return [
    `Warning: the JupyterLab extension "${LABEXTENSION_NAME}" was not found in any Jupyter data directory:`,
    ...dirs.map((dir) => `  ${path.join(dir, 'labextensions')}`),
    'The kernel works without it, but its video widgets need it. Install it into the Python environment',
    `that runs JupyterLab:  ${EXTENSION_FIX}`,
  ].join('\n');
}
