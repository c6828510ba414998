/** Command line: `kernel <connection_file>` (what kernel.json runs), `install`, `uninstall`. */
// First: loads TypeScript with its code cache before any other module requires it.
import '../engine/typescript-cache';
import * as path from 'path';
import { installRuntimeFallback } from '../engine/resolve';
import { installTerminationRecovery } from '../engine/termination-recovery';
import { Kernel } from '../kernel';
import { readConnectionFile } from '../transport/connection-file';
import { DEFAULT_LIMITS } from '../transport/wire';
import { missingExtensionWarning } from './extension-check';
import { DISPLAY_NAME, install, parseScope, uninstall } from './install';

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
    case 'install': {
      const scope = parseScope(rest);
      console.log(`Installed "${DISPLAY_NAME}" in ${install(scope, KERNEL_SCRIPT)}`);
      // The kernel is installed either way; the missing extension only earns a warning with its fix.
      const warning = missingExtensionWarning(scope);
      if (warning) console.error(warning);
      return 0;
    }
    case 'uninstall': {
      const removed = uninstall(parseScope(rest));
      console.log(removed ? `Removed ${removed}` : `"${DISPLAY_NAME}" was not installed there`);
      return 0;
    }
  }
  console.error(USAGE);
  return 2;
}

async function runKernel(connectionFile: string): Promise<void> {
  installRuntimeFallback();
  installTerminationRecovery();
  const maxMessageBytes = Number(process.env.JUPYTERLAB_WEBRTC_MAX_MESSAGE_BYTES) || DEFAULT_LIMITS.maxMessageBytes;
  const kernel = await Kernel.start({
    connection: readConnectionFile(connectionFile),
    rootDir: process.cwd(),
    limits: { ...DEFAULT_LIMITS, maxMessageBytes },
    // Lowered by tests, which cannot open 10,000 comms quickly.
    maxOpenComms: Number(process.env.JUPYTERLAB_WEBRTC_MAX_COMMS) || undefined,
  });
  process.on('SIGINT', () => kernel.interrupt());
  process.on('SIGTERM', () => {
    void kernel.shutdown().finally(() => process.exit(0));
  });
  // Uncaught errors and unhandled rejections: stdio.ts shows them under the cell that caused them or logs them.
}
