/**
 * `jupyterlab-webrtc-kernel kernel <connection_file>`: the kernel process. Starts the kernel
 * with the process's settings (cwd, JUPYTERLAB_WEBRTC_MAX_MESSAGE_BYTES) and ties process signals
 * and uncaught errors to it.
 */
import { installRuntimeFallback } from '../engine/resolve';
import { Kernel } from '../kernel';
import { readConnectionFile } from '../transport/connection-file';
import { DEFAULT_LIMITS } from '../transport/wire';

export async function runKernel(connectionFile: string): Promise<void> {
  installRuntimeFallback();
  const maxMessageBytes = Number(process.env.JUPYTERLAB_WEBRTC_MAX_MESSAGE_BYTES) || DEFAULT_LIMITS.maxMessageBytes;
  const kernel = await Kernel.start({
    connection: readConnectionFile(connectionFile),
    rootDir: process.cwd(),
    limits: { maxMessageBytes },
  });
  process.on('SIGINT', () => kernel.interrupt());
  process.on('SIGTERM', () => {
    void kernel.shutdown().finally(() => process.exit(0));
  });
  // A callback a cell started threw: show it under that cell; the kernel itself carries on.
  process.on('uncaughtException', (error) => console.error('Uncaught', error));
  process.on('unhandledRejection', (reason) => console.error('Unhandled promise rejection:', reason));
}
