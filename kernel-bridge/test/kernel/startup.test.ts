/**
 * Kernel start: the TypeScript code cache (src/kernel/engine/typescript-cache.ts) is optional, so
 * a corrupt or stale file must neither stop the kernel nor change a cell's result, and must be
 * replaced by a usable one; and a kernel that cannot bind its ports exits with the reason (code 1)
 * even though the TypeScript program is built while the sockets bind.
 */
import { spawn } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'fs';
import { createServer, Server } from 'net';
import { tmpdir } from 'os';
import * as path from 'path';
import { freePort, KERNEL_SCRIPT, KernelClient, ofType } from './kernel-client';

const TS_VERSION = (require('@tslab/typescript-for-tslab/package.json') as { version: string }).version;
/** The kernel runs on the node running the tests (process.execPath), so the V8 version is ours. */
const CACHE_NAME = `typescript-${TS_VERSION}-v8-${process.versions.v8}-${process.arch}.cache`;
const GARBAGE = 'not a V8 code cache';

async function firstCellsWork(kernel: KernelClient): Promise<void> {
  const sum = await kernel.execute('1+1');
  expect(ofType(sum.iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': '2' });
  const typeError = await kernel.execute('const n: number = "text";');
  expect(typeError.reply.content).toMatchObject({
    status: 'error',
    ename: 'TypeScriptError',
    evalue: "1:7 - Type 'string' is not assignable to type 'number'.",
  });
}

async function runKernel(cacheHome: string): Promise<void> {
  const kernel = await KernelClient.start({ env: { XDG_CACHE_HOME: cacheHome } });
  try {
    await firstCellsWork(kernel);
  } finally {
    await kernel.stop();
  }
  expect(await kernel.exitCode()).toBe(0);
}

describe('TypeScript code cache', () => {
  it('ignores a corrupt cache file, replaces it, and keeps the usable one it wrote', async () => {
    const cacheHome = mkdtempSync(path.join(tmpdir(), 'kernel-cache-'));
    const file = path.join(cacheHome, 'jupyterlab-webrtc', CACHE_NAME);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, GARBAGE);

    await runKernel(cacheHome);
    const written = statSync(file);
    expect(readFileSync(file, 'utf8')).not.toBe(GARBAGE);
    expect(written.size).toBeGreaterThan(100_000);

    // V8 accepted it: the cache is written only when none was usable, by a rename (a new inode).
    await runKernel(cacheHome);
    expect(statSync(file).ino).toBe(written.ino);
    expect(statSync(file).mtimeMs).toBe(written.mtimeMs);
  });

  it('starts when the cache folder cannot be created', async () => {
    const cacheHome = mkdtempSync(path.join(tmpdir(), 'kernel-cache-'));
    writeFileSync(path.join(cacheHome, 'jupyterlab-webrtc'), 'a file where the folder would be');
    await runKernel(cacheHome);
  });
});

describe('a port in use', () => {
  let taken: Server;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
  });

  it('makes the kernel exit with code 1 and the reason', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kernel-test-'));
    const shellPort = (taken.address() as { port: number }).port;
    // Only the shell port is taken: the control thread has bound its socket, which must be closed.
    const others = await Promise.all([0, 1, 2, 3].map(() => freePort()));
    const file = path.join(dir, 'kernel.json');
    writeFileSync(
      file,
      JSON.stringify({
        transport: 'tcp',
        ip: '127.0.0.1',
        key: 'k',
        signature_scheme: 'hmac-sha256',
        shell_port: shellPort,
        control_port: others[0],
        iopub_port: others[1],
        stdin_port: others[2],
        hb_port: others[3],
      }),
    );
    const child = spawn(process.execPath, [KERNEL_SCRIPT, 'kernel', file], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    expect({ code, signal }).toEqual({ code: 1, signal: null });
    expect(stderr).toMatch(/Address already in use/);
  });
});
