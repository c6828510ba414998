/**
 * The command line behind bin/jupyterlab-webrtc-kernel.js: `kernel <connection_file>` (what
 * kernel.json runs), `install`, `uninstall`. Parses the command and hands it on.
 */
// First: loads TypeScript with its code cache before any other module requires it.
import '../engine/typescript-cache';
import * as path from 'path';
import { DISPLAY_NAME, install, parseScope, uninstall } from './install';
import { runKernel } from './run-kernel';

const KERNEL_SCRIPT = path.resolve(__dirname, '..', '..', '..', 'bin', 'jupyterlab-webrtc-kernel.js');

const USAGE = `usage:
  jupyterlab-webrtc-kernel install [--user | --sys-prefix | --prefix DIR]
  jupyterlab-webrtc-kernel uninstall [--user | --sys-prefix | --prefix DIR]
  jupyterlab-webrtc-kernel kernel CONNECTION_FILE
Without a flag, install goes to the active virtualenv/conda environment, else to the user's data dir.`;

export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'kernel':
      if (!rest[0]) break;
      await runKernel(rest[0]);
      return 0;
    case 'install':
      console.log(`Installed "${DISPLAY_NAME}" in ${install(parseScope(rest), KERNEL_SCRIPT)}`);
      return 0;
    case 'uninstall': {
      const removed = uninstall(parseScope(rest));
      console.log(removed ? `Removed ${removed}` : `"${DISPLAY_NAME}" was not installed there`);
      return 0;
    }
  }
  console.error(USAGE);
  return 2;
}
