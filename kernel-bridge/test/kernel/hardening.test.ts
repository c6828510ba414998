/**
 * Issue 8's attacks on the kernel, each sent as input to the real kernel over ZeroMQ with the
 * clean outcome asserted: a pathological history search, an oversize frame, a replayed message, a
 * reused comm id, process.exit() in a cell, errors thrown by comm handlers, and a comm_open flood.
 * Kept apart from robustness.test.ts because every test here guards one fuzzing finding.
 */
import { readFileSync } from 'fs';
import { encodeMessage } from '../../src/kernel/transport/wire';
import { globMatch } from '../../src/kernel/history';
import { isIdleFor, KernelClient, Msg, ofType } from './kernel-client';

const MAX_COMMS = 5;
const MAX_MESSAGE_BYTES = 1_000_000;

/** Resolves once the kernel's own stderr (its log) matches `pattern`. */
function waitForStderr(kernel: KernelClient, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const text = kernel.stderr.join('');
      if (!pattern.test(text)) return false;
      kernel.process.stderr?.off('data', onData);
      resolve(text);
      return true;
    };
    const onData = () => check();
    kernel.process.stderr?.on('data', onData);
    check();
  });
}

function kernelMemory(kernel: KernelClient, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${kernel.process.pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${kernel.process.pid}/status`);
  return Number(match[1]) * 1024;
}

function parentId(message: Msg): string {
  return (message.parent_header as { msg_id: string }).msg_id;
}

describe('history search globs (unit)', () => {
  const evil = '*a*a*a*a*a*a*a*a*b';
  it.each([
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['?', 'a', true],
    ['?', '', false],
    ['??', 'a', false],
    ['*a', 'ba', true],
    ['*a', 'ab', false],
    ['a*', 'abc', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbbd', false],
    ['*ab', 'aab', true],
    ['*aab', 'aaab', true],
    ['a**b', 'ab', true],
    ['*x*', 'print(x)', true],
    ['a?b', 'a\nb', true],
    ['*\n*', 'one\ntwo', true],
    ['a.b', 'axb', false],
    ['(x)+[y]$', '(x)+[y]$', true],
    ['?', '😀', true],
    [evil, 'a'.repeat(300), false],
    [evil, `${'a'.repeat(300)}b`, true],
  ])('%j matches %j: %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });
});

describe('kernel hardening (issue 8)', () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start({
      env: {
        JUPYTERLAB_WEBRTC_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
        JUPYTERLAB_WEBRTC_MAX_COMMS: String(MAX_COMMS),
      },
    });
    // A target whose comms say which open created them, to tell a live comm from a replacement.
    const { reply } = await kernel.execute(`
      import { getKernelApi } from "jupyterlab-webrtc-bridge";
      let opened = 0;
      getKernelApi().comms.registerTarget("counted", (comm) => {
        const instance = ++opened;
        comm.onMessage((msg) => comm.send({ instance, got: msg.data }));
      });
    `);
    expect(reply.content.status).toBe('ok');
  });
  afterAll(async () => {
    await kernel.stop();
    expect(await kernel.exitCode()).toBe(0);
  });

  it('#4 a pathological history search pattern is answered, and so is the request after it', async () => {
    const long = `// ${'a'.repeat(300)}`; // the evil pattern below took days against this as a RegExp
    expect((await kernel.execute(long)).reply.content.status).toBe('ok');
    expect((await kernel.execute('const historyMarker = 1')).reply.content.status).toBe('ok');
    const search = kernel.request('shell', 'history_request', {
      hist_access_type: 'search',
      pattern: '*a*a*a*a*a*a*a*a*b',
      n: 100,
    });
    const next = kernel.request('shell', 'kernel_info_request', {});
    expect((await search).content).toEqual({ status: 'ok', history: [] });
    expect((await next).content.status).toBe('ok');
    const found = await kernel.request('shell', 'history_request', {
      hist_access_type: 'search',
      pattern: '*historyMarker*',
      n: 10,
    });
    expect((found.content.history as unknown[][]).map((entry) => entry[2])).toEqual(['const historyMarker = 1']);
  });

  it('#5 an oversize frame is refused before it is read: the kernel lives, its memory does not grow by it', async () => {
    const size = 100 * 1024 * 1024;
    const peakBefore = kernelMemory(kernel, 'VmHWM');
    const rssBefore = kernelMemory(kernel, 'VmRSS');
    await kernel.sendFrames(
      'shell',
      encodeMessage(
        {
          identities: [],
          header: kernel.header('execute_request'),
          parent_header: {},
          metadata: {},
          content: { code: '1' },
          buffers: [Buffer.alloc(size)],
        },
        kernel.signer,
      ),
    );
    const next = await kernel.request('shell', 'kernel_info_request', {});
    expect(next.content.status).toBe('ok');
    const peakAfter = kernelMemory(kernel, 'VmHWM');
    const rssAfter = kernelMemory(kernel, 'VmRSS');
    process.stdout.write(
      `#5 kernel VmRSS ${rssBefore >> 20} -> ${rssAfter >> 20} MB, VmHWM ${peakBefore >> 20} -> ${peakAfter >> 20} MB for a ${size >> 20} MB frame\n`,
    );
    expect(peakAfter - peakBefore).toBeLessThan(size / 4);
    expect((await kernel.execute('"alive"')).reply.content.status).toBe('ok');
  });

  it('#5 a message under the frame limit but over the frame count is answered with an error', async () => {
    const frames = Array.from({ length: 1100 }, () => Buffer.from('x'));
    const reply = await kernel.request('shell', 'kernel_info_request', {}, { buffers: frames });
    expect(reply.content).toMatchObject({ status: 'error', ename: 'MalformedMessage' });
    expect(reply.content.evalue).toMatch(/frames exceeds the kernel's limit of 1024/);
  });

  it('#6 a replayed message (same signed frames twice) runs once', async () => {
    const header = kernel.header('execute_request');
    const code = '(globalThis as any).replayRuns = ((globalThis as any).replayRuns ?? 0) + 1;';
    const frames = encodeMessage(
      {
        identities: [],
        header,
        parent_header: {},
        metadata: {},
        content: { code, silent: false, stop_on_error: true },
        buffers: [],
      },
      kernel.signer,
    );
    const reply = kernel.replyTo(header.msg_id);
    await kernel.sendFrames('shell', frames);
    await kernel.sendFrames('shell', frames);
    expect((await reply).content.status).toBe('ok');
    await waitForStderr(kernel, /duplicate signature/);
    const { reply: check, iopub } = await kernel.execute('(globalThis as any).replayRuns');
    expect(check.content.status).toBe('ok');
    expect(ofType(iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': '1' });
    // Shell is handled in order: by now a second run would have published its own execute_input.
    expect(ofType(kernel.childrenOf(header.msg_id), 'execute_input')).toHaveLength(1);
  });

  it('#7 a comm_open reusing a live comm id is ignored and the live comm keeps its messages', async () => {
    kernel.send('shell', 'comm_open', { comm_id: 'dup', target_name: 'counted', data: {} });
    kernel.send('shell', 'comm_open', { comm_id: 'dup', target_name: 'counted', data: {} });
    const sent = kernel.send('shell', 'comm_msg', { comm_id: 'dup', data: { n: 1 } });
    const answer = await kernel.waitForIopub((m) => m.header.msg_type === 'comm_msg' && parentId(m) === sent.msg_id);
    expect(answer.content.data).toEqual({ instance: 1, got: { n: 1 } });
    await waitForStderr(kernel, /comm id dup is already open/);
    expect(kernel.iopubMessages.some((m) => m.header.msg_type === 'comm_close' && m.content.comm_id === 'dup')).toBe(
      false,
    );
  });

  it('#13 errors a comm handler leaves uncaught go to the kernel log, not under the last cell', async () => {
    expect(
      (
        await kernel.execute(`
      getKernelApi().comms.registerTarget("late-thrower", (comm) => {
        comm.onMessage(() => {
          void Promise.reject(new Error("late comm rejection"));
          setTimeout(() => { throw new Error("late comm throw"); }, 0);
        });
      });
    `)
      ).reply.content.status,
    ).toBe('ok');
    const last = await kernel.execute('"the last cell"');
    kernel.send('shell', 'comm_open', { comm_id: 'late', target_name: 'late-thrower', data: {} });
    kernel.send('shell', 'comm_msg', { comm_id: 'late', data: {} });
    await waitForStderr(kernel, /late comm rejection[\s\S]*late comm throw|late comm throw[\s\S]*late comm rejection/);
    // iopub keeps order: once this cell is idle, a stream written before it would have arrived.
    await kernel.execute('"after"');
    const streams = ofType(kernel.iopubMessages, 'stream').map((m) => m.content.text as string);
    expect(streams.filter((text) => text.includes('late comm'))).toEqual([]);
    expect(ofType(last.iopub, 'stream')).toEqual([]);
    kernel.send('shell', 'comm_close', { comm_id: 'late', data: {} });
  });

  it('#13 an error thrown by a callback a cell started is still shown under that cell', async () => {
    const { reply } = await kernel.execute('setTimeout(() => { throw new Error("cell timer bug"); }, 0);');
    expect(reply.content.status).toBe('ok');
    const shown = await kernel.waitForIopub(
      (m) => m.header.msg_type === 'stream' && (m.content.text as string).includes('cell timer bug'),
    );
    expect(parentId(shown)).toBe(parentId(reply));
  });

  it('#14 comm_open beyond the cap gets comm_close and a log line; open comms stay open', async () => {
    const info = await kernel.request('shell', 'comm_info_request', {});
    const open = Object.keys(info.content.comms as object).length;
    for (let i = open; i < MAX_COMMS; i++)
      kernel.send('shell', 'comm_open', { comm_id: `cap-${i}`, target_name: 'counted', data: {} });
    const over = kernel.send('shell', 'comm_open', { comm_id: 'cap-over', target_name: 'counted', data: {} });
    await kernel.waitForIopub((m) => isIdleFor(m, over.msg_id));
    expect(kernel.childrenOf(over.msg_id).map((m) => m.header.msg_type)).toEqual(['status', 'comm_close', 'status']);
    await waitForStderr(kernel, /comms are open, the kernel's limit: closed cap-over/);
    const after = await kernel.request('shell', 'comm_info_request', {});
    expect(Object.keys(after.content.comms as object)).toHaveLength(MAX_COMMS);
    expect(after.content.comms).not.toHaveProperty('cap-over');
  });
});

describe('process.exit() in a cell (issue 8 #8)', () => {
  it('fails the cell with a clear error, keeps the kernel running, and shutdown still exits 0', async () => {
    const kernel = await KernelClient.start();
    try {
      expect((await kernel.execute('const keptState = 42;')).reply.content.status).toBe('ok');
      const { reply, iopub } = await kernel.execute('process.exit(3);');
      expect(reply.content).toMatchObject({ status: 'error', ename: 'ProcessExit' });
      expect(reply.content.evalue).toMatch(/^process\.exit\(\) was called with code 3: the kernel keeps running/);
      expect(ofType(iopub, 'error')).toHaveLength(1);
      const next = await kernel.execute('keptState + 1');
      expect(next.reply.content.status).toBe('ok');
      expect(ofType(next.iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': '43' });
      const shutdown = await kernel.request('control', 'shutdown_request', { restart: false });
      expect(shutdown.content).toEqual({ status: 'ok', restart: false });
      expect(await kernel.exitCode()).toBe(0);
    } finally {
      await kernel.stop();
    }
  });
});
