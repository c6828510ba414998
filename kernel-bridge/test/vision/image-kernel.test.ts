/**
 * Image.show() in the real kernel: its subscription belongs to the cell that called it (re-running
 * the cell ends it), and a bad emission is printed under that cell, even when another request
 * causes it after the cell finished.
 */
import { KernelClient, ofType } from '../kernel/kernel-client';

let kernel: KernelClient;
beforeAll(async () => {
  kernel = await KernelClient.start();
});
afterAll(async () => {
  await kernel.stop();
});

async function run(code: string, cellId?: string) {
  const { reply, iopub } = await kernel.execute(code, {}, 60000, cellId ? { cellId } : {});
  if (reply.content.status !== 'ok') throw new Error(`cell failed: ${JSON.stringify(reply.content)}`);
  const result = ofType(iopub, 'execute_result')[0];
  const text = result ? String((result.content.data as Record<string, unknown>)['text/plain']) : '';
  return { text, msgId: (reply.parent_header as { msg_id: string }).msg_id };
}

const SHOW_CELL = `import { Image } from "jupyterlab-webrtc-bridge";
import { Subject } from "rxjs";
{
  const g = globalThis as any;
  g.source ??= new Subject();
  g.feeds ??= [];
  g.feeds.push(new Image().show(g.source, { maxFps: 60 }));
}`;

it('the feed joins the cell scope, and its errors print under that cell', async () => {
  const first = await run(SHOW_CELL, 'image-cell');
  const printed = kernel.waitForIopub(
    (m) =>
      m.header.msg_type === 'stream' &&
      (m.parent_header as { msg_id?: string }).msg_id === first.msgId &&
      /Image\.show: .*expected an I420 frame, got string/.test(String((m.content as { text?: string }).text)),
    30000,
  );
  await run('(globalThis as any).source.next("not a frame"); "sent"');
  await printed;

  await run(SHOW_CELL, 'image-cell');
  expect((await run('JSON.stringify((globalThis as any).feeds.map((s: any) => s.closed))')).text).toBe('[true,false]');
  await run('"clean"', 'cleanup-image');
});
