import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { KernelClient, ofType, streamText } from './kernel-client';

/** A notebook folder with an npm package installed next to it. */
function notebookFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'notebook-'));
  const pkg = path.join(dir, 'node_modules', 'shout');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: 'shout', main: 'index.js', types: 'index.d.ts' }),
  );
  writeFileSync(path.join(pkg, 'index.js'), 'exports.shout = (s) => s.toUpperCase() + "!";');
  writeFileSync(path.join(pkg, 'index.d.ts'), 'export declare function shout(s: string): string;');
  return dir;
}

describe('execute', () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start({ cwd: notebookFolder() });
  });
  afterAll(async () => {
    await kernel.stop();
  });

  it('returns the last expression as text/plain and counts executions', async () => {
    const first = await kernel.execute('const a: number = 20; a + 22');
    expect(first.reply.content.status).toBe('ok');
    const result = ofType(first.iopub, 'execute_result')[0];
    expect(result.content.data).toEqual({ 'text/plain': '42' });
    expect(result.content.execution_count).toBe(first.reply.content.execution_count);
    const input = ofType(first.iopub, 'execute_input')[0];
    expect(input.content.code).toBe('const a: number = 20; a + 22');
    const second = await kernel.execute('a * 2');
    expect(second.reply.content.execution_count).toBe((first.reply.content.execution_count as number) + 1);
    expect(ofType(second.iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': '40' });
  });

  it('publishes busy then idle around a cell', async () => {
    const { iopub } = await kernel.execute('1');
    const states = ofType(iopub, 'status').map((m) => m.content.execution_state);
    expect(states).toEqual(['busy', 'idle']);
  });

  it('reports a type error with line:col and does not run the cell', async () => {
    const { reply, iopub } = await kernel.execute('console.log("ran");\nconst n: number = "text";');
    expect(reply.content.status).toBe('error');
    expect(reply.content.ename).toBe('TypeScriptError');
    expect(reply.content.evalue).toMatch(/^2:7 - Type 'string' is not assignable to type 'number'/);
    expect(ofType(iopub, 'error')).toHaveLength(1);
    expect(streamText(iopub)).toBe('');
  });

  it('reports a runtime error with its name, message and the cell frames of its stack', async () => {
    const { reply, iopub } = await kernel.execute(
      'function boom(): never { throw new RangeError("too far"); }\nboom();',
    );
    expect(reply.content).toMatchObject({ status: 'error', ename: 'RangeError', evalue: 'too far' });
    const traceback = ofType(iopub, 'error')[0].content.traceback as string[];
    expect(traceback[0]).toBe('RangeError: too far');
    expect(traceback.join('\n')).not.toMatch(/tslab[\\/]dist|lib[\\/]kernel|node:vm/);
  });

  it("resolves earlier cells' names inside shorthand properties", async () => {
    await kernel.execute('const seen = [1, 2];');
    const { reply, iopub } = await kernel.execute('const label = "x";\n({ seen, label, nested: { seen } })');
    expect(reply.content.status).toBe('ok');
    expect(ofType(iopub, 'execute_result')[0].content.data).toEqual({
      'text/plain': "{ seen: [ 1, 2 ], label: 'x', nested: { seen: [ 1, 2 ] } }",
    });
  });

  it('supports top-level await', async () => {
    const { reply, iopub } = await kernel.execute(
      'const v = await new Promise<number>((r) => setTimeout(() => r(7), 50));\nv * 6',
    );
    expect(reply.content.status).toBe('ok');
    expect(ofType(iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': '42' });
  });

  it('streams console output while the cell is still running', async () => {
    const go = path.join(kernel.cwd, 'go-on');
    const early = kernel.waitForIopub(
      (m) => m.header.msg_type === 'stream' && (m.content.text as string).includes('early'),
    );
    const run = kernel.execute(
      `console.log("early");\nwhile (!require("fs").existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 10));\nconsole.error("late");`,
    );
    const earlyMessage = await early;
    // The cell cannot finish before the file exists: "early" was sent while it was still running.
    writeFileSync(go, '');
    const { reply, iopub } = await run;
    expect(reply.content.status).toBe('ok');
    expect(streamText(iopub, 'stdout')).toBe('early\n');
    expect(streamText(iopub, 'stderr')).toBe('late\n');
    const order = iopub.map((m) => m.header.msg_id);
    expect(order.indexOf(earlyMessage.header.msg_id)).toBeLessThan(
      order.indexOf(ofType(iopub, 'stream').find((m) => m.content.name === 'stderr')!.header.msg_id),
    );
  });

  it('delivers 10,000 console.log lines, all of them, in order', async () => {
    const { reply, iopub } = await kernel.execute('for (let i = 0; i < 10000; i++) console.log(`line ${i}`);');
    expect(reply.content.status).toBe('ok');
    const lines = streamText(iopub).trimEnd().split('\n');
    expect(lines).toHaveLength(10000);
    expect(lines.every((line, i) => line === `line ${i}`)).toBe(true);
  });

  it('imports npm packages installed next to the notebook, with their types', async () => {
    const ok = await kernel.execute('import { shout } from "shout";\nshout("hello")');
    expect(ofType(ok.iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': 'HELLO!' });
    const bad = await kernel.execute('import { shout } from "shout";\nshout(42)');
    expect(bad.reply.content.evalue).toMatch(/^2:7 - Argument of type 'number'/);
  });

  it('keeps working after an imported package changes on disk (tslab converter rebuilt)', async () => {
    await kernel.execute('import { shout } from "shout";\nshout("a")');
    const manifest = path.join(kernel.cwd, 'node_modules', 'shout', 'package.json');
    // The change is made from inside the kernel, which waits until its own watcher on the file saw
    // it: the TypeScript watcher on the same file is served by the same inotify read, so by then
    // it has armed its rebuild (the state that wedges tslab's converter), with no time guessed.
    const changed = await kernel.execute(
      [
        'import * as fs from "fs";',
        'await new Promise<void>((resolve) => {',
        `  const watcher = fs.watch(${JSON.stringify(manifest)}, () => { watcher.close(); setImmediate(resolve); });`,
        `  fs.writeFileSync(${JSON.stringify(manifest)}, JSON.stringify({ name: "shout", version: "2.0.0", main: "index.js", types: "index.d.ts" }));`,
        '});',
      ].join('\n'),
    );
    expect(changed.reply.content.status).toBe('ok');
    const { reply, iopub } = await kernel.execute('shout("still here")');
    expect(reply.content.status).toBe('ok');
    expect(ofType(iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': 'STILL HERE!' });
    const completion = await kernel.request('shell', 'complete_request', { code: 'shou', cursor_pos: 4 });
    expect(completion.content.status).toBe('ok');
    expect(completion.content.matches).toContain('shout');
  });

  it('imports our own package in any notebook folder, without installing it there', async () => {
    const { reply, iopub } = await kernel.execute(
      'import { display } from "jupyterlab-webrtc-bridge";\ntypeof display',
    );
    expect(reply.content.status).toBe('ok');
    expect(ofType(iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': 'function' });
  });

  it('displays MIME bundles and updates a display by its id', async () => {
    const { reply, iopub } = await kernel.execute(
      [
        'import { display } from "jupyterlab-webrtc-bridge";',
        'display({ data: { "text/html": "<b>one</b>", "text/plain": "one" } }, { displayId: "d1" });',
        'display({ data: { "text/html": "<b>two</b>", "text/plain": "two" } }, { displayId: "d1", update: true });',
        'display("plain text");',
      ].join('\n'),
    );
    expect(reply.content.status).toBe('ok');
    const shown = ofType(iopub, 'display_data');
    expect(shown[0].content).toMatchObject({ data: { 'text/html': '<b>one</b>' }, transient: { display_id: 'd1' } });
    expect(shown[1].content.data).toEqual({ 'text/plain': 'plain text' });
    const updated = ofType(iopub, 'update_display_data')[0];
    expect(updated.content).toMatchObject({ data: { 'text/html': '<b>two</b>' }, transient: { display_id: 'd1' } });
  });

  it('shows a value with a rich MIME bundle as the result', async () => {
    const { iopub } = await kernel.execute(
      [
        'import { MIME_BUNDLE } from "jupyterlab-webrtc-bridge";',
        'class Card { [MIME_BUNDLE]() { return { data: { "text/html": "<i>card</i>", "text/plain": "Card" } }; } }',
        'new Card()',
      ].join('\n'),
    );
    expect(ofType(iopub, 'execute_result')[0].content.data).toEqual({
      'text/html': '<i>card</i>',
      'text/plain': 'Card',
    });
  });

  it('keeps output of callbacks under the cell that started them', async () => {
    // The first cell's callback prints only once the second cell runs (which lets it go), so the
    // output is produced while another cell is the current one.
    const first = await kernel.execute(
      'const fired = { done: false };\n' +
        'const poll = setInterval(() => { if ((globalThis as any).letTimerGo) { clearInterval(poll); console.log("from a timer"); fired.done = true; } }, 5);\n' +
        '"scheduled"',
    );
    expect(first.reply.content.status).toBe('ok');
    const second = await kernel.execute(
      '(globalThis as any).letTimerGo = true;\nwhile (!fired.done) await new Promise((r) => setTimeout(r, 5));\nconsole.log("second cell");',
    );
    expect(second.reply.content.status).toBe('ok');
    const late = await kernel.waitForIopub(
      (m) => m.header.msg_type === 'stream' && (m.content.text as string).includes('from a timer'),
    );
    expect((late.parent_header as { msg_id: string }).msg_id).toBe(
      (first.reply.parent_header as { msg_id: string }).msg_id,
    );
    expect(streamText(second.iopub)).toBe('second cell\n');
  });

  it('aborts cells queued behind a failing cell', async () => {
    const go = path.join(kernel.cwd, 'fail-now');
    const failing = kernel.execute(
      `while (!require("fs").existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 10));\nthrow new Error("stop here");`,
    );
    const queued = kernel.execute('console.log("must not run")');
    // Shell requests are read in order and kernel_info is answered while a cell runs: once it is
    // answered, the second execute_request has been queued behind the first.
    await kernel.request('shell', 'kernel_info_request', {});
    writeFileSync(go, '');
    expect((await failing).reply.content).toMatchObject({ status: 'error', evalue: 'stop here' });
    const { reply, iopub } = await queued;
    expect(reply.content.status).toBe('aborted');
    expect(streamText(iopub)).toBe('');
  });

  it('shows an uncaught error from a callback under its cell and keeps running', async () => {
    await kernel.execute('setTimeout(() => { throw new Error("async boom"); }, 10);');
    const shown = await kernel.waitForIopub(
      (m) => m.header.msg_type === 'stream' && (m.content.text as string).includes('async boom'),
    );
    expect(shown.content.name).toBe('stderr');
    const { reply } = await kernel.execute('"still alive"');
    expect(reply.content.status).toBe('ok');
  });
});

describe('completion, inspection, is_complete, history', () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
    await kernel.execute('const greeting = "hello";');
  });
  afterAll(async () => {
    await kernel.stop();
  });

  it('completes members of a typed value', async () => {
    const code = 'greeting.toUpp';
    const reply = await kernel.request('shell', 'complete_request', { code, cursor_pos: code.length });
    expect(reply.content.status).toBe('ok');
    expect(reply.content.matches).toContain('toUpperCase');
    expect(reply.content.cursor_start).toBe('greeting.'.length);
    expect(reply.content.cursor_end).toBe(code.length);
  });

  it('inspects a name with its type', async () => {
    const reply = await kernel.request('shell', 'inspect_request', {
      code: 'greeting',
      cursor_pos: 3,
      detail_level: 0,
    });
    expect(reply.content.found).toBe(true);
    expect((reply.content.data as Record<string, string>)['text/plain']).toMatch(/const greeting: "hello"/);
  });

  it('tells complete from incomplete code', async () => {
    const done = await kernel.request('shell', 'is_complete_request', { code: 'let x = 1;' });
    expect(done.content.status).toBe('complete');
    const open = await kernel.request('shell', 'is_complete_request', { code: 'function f() {' });
    expect(open.content.status).toBe('incomplete');
  });

  it('answers history requests from the cells run', async () => {
    const reply = await kernel.request('shell', 'history_request', {
      hist_access_type: 'tail',
      n: 5,
      output: false,
      raw: true,
    });
    expect(reply.content.history).toEqual([[0, 1, 'const greeting = "hello";']]);
  });

  it('answers a malformed request with an error reply', async () => {
    const reply = await kernel.request('shell', 'complete_request', { code: 'x', cursor_pos: 'end' });
    expect(reply.content.status).toBe('error');
    expect(reply.content.evalue).toMatch(/cursor_pos/);
  });

  it('shows the documentation of library declarations, which the program is first built without', async () => {
    const inspect = async (code: string) => {
      const reply = await kernel.request('shell', 'inspect_request', {
        code,
        cursor_pos: code.length - 1,
        detail_level: 0,
      });
      expect(reply.content.found).toBe(true);
      return (reply.content.data as Record<string, string>)['text/plain'];
    };
    expect(await inspect('Math.max')).toMatch(/Returns the larger of a set of supplied numeric expressions/);
    expect(await inspect('process.cwd')).toMatch(/method returns the current working directory/);
    // The rebuilt program still knows the cells' declarations and reports type errors as before.
    const { iopub } = await kernel.execute('greeting.length');
    expect(ofType(iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': '5' });
    const failed = await kernel.execute('const n: number = greeting.toUpperCase();');
    expect(failed.reply.content.evalue).toBe("1:7 - Type 'string' is not assignable to type 'number'.");
  });
});
