/**
 * Starts the kernel transport's codec worker. Alone in its file because the bundler finds the
 * worker's script by `new URL(..., import.meta.url)`, which the unit tests' CommonJS cannot compile
 * (jest.config.js maps this module to a stub).
 */
export function startCodecWorker(): Worker {
  return new Worker(new URL('./codec-worker.js', import.meta.url));
}
