/**
 * Issue 13: the version handshake in a real JupyterLab. A kernel of another streamer protocol is
 * simulated honestly: a cell opens the streamer's model through the kernel's public widget API
 * (Widget, modelTraits) with the version traits such a kernel would send. The view must show which
 * package to upgrade and the command, never the widget manager's bare "not registered" error, and
 * Start must not open a session.
 */
import { expect, test } from '@jupyterlab/galata';
import { newTypeScriptNotebook, runAndRead, runCode } from './helpers';

/**
 * A streamer model as a kernel speaking protocol `protocol`, package `version`, would open it; the
 * custom messages the kernel receives from it are kept in `globalThis.seen<protocol>`, so the test
 * can ask the kernel what reached it.
 */
const otherKernelCell = (protocol: number, version: string) =>
  `import { Widget, modelTraits, domTraits, traits } from "jupyterlab-webrtc-bridge";
const other${protocol} = new Widget({
  ...modelTraits(["jupyterlab-webrtc", "*", "WebRtcStreamerModel"], ["jupyterlab-webrtc", "*", "WebRtcStreamerView"]),
  ...domTraits(),
  protocol_version: traits.int(${protocol}),
  kernel_version: traits.constant("${version}"),
});
(globalThis as any).seen${protocol} = [];
other${protocol}.custom$.subscribe(({ content }) => (globalThis as any).seen${protocol}.push(content));
other${protocol}`;

/** The kernel's answer: the `hello`s and the `browser_status` errors it received, as JSON. */
const seenByKernel = (global: string) =>
  `const all = (globalThis as any).${global} as any[];
JSON.stringify({
  hellos: all.filter((m) => m.type === "hello").map((m) => m.protocol_version),
  errors: all.filter((m) => m.type === "browser_status" && m.state === "error").map((m) => m.detail),
})`;

test('a kernel of a newer or older streamer protocol: the widget says what to upgrade, Start does nothing; our own agree', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'handshake.ipynb');
  await runCode(page, 0, otherKernelCell(99, '9.0.0'));
  const widget = page.locator('.jp-webrtc').first();
  const upgrade =
    /the kernel package jupyterlab-webrtc-bridge 9\.0\.0 is newer than the JupyterLab extension jupyterlab-webrtc \S+ \(streamer protocol 99 in the kernel, 1 in the browser\): run pip install -U jupyterlab-webrtc and reload the page/;
  await expect(widget.locator('.jp-webrtc-error')).toContainText(upgrade);
  await expect(page.getByText('is not registered')).toHaveCount(0);
  // The browser said hello once, with its protocol (the shell channel keeps it before this cell).
  expect(JSON.parse(await runAndRead(page, 1, seenByKernel('seen99')))).toEqual({ hellos: [1], errors: [] });

  await widget.locator('.jp-webrtc-start').click();
  // The refusal reached the kernel (so Start was handled), with the upgrade text...
  await expect
    .poll(async () => JSON.parse(await runAndRead(page, 1, seenByKernel('seen99'))).errors, { timeout: 30_000 })
    .toEqual([expect.stringMatching(upgrade)]);
  // ...and opened no session: the id stays 0, the camera is not opened, the text stays.
  await expect(widget).toHaveAttribute('data-session-id', '0');
  await expect(widget.locator('video.jp-webrtc-local')).toHaveJSProperty('srcObject', null);
  await expect(widget.locator('.jp-webrtc-error')).toContainText('pip install -U jupyterlab-webrtc');

  await runCode(page, 2, otherKernelCell(0, '0.0.9'));
  await expect(page.locator('.jp-webrtc').nth(1).locator('.jp-webrtc-error')).toContainText(
    /the JupyterLab extension jupyterlab-webrtc (\S+) is newer than the kernel package jupyterlab-webrtc-bridge 0\.0\.9 \(streamer protocol 0 in the kernel, 1 in the browser\): run npm install -g jupyterlab-webrtc-bridge@\1 && jupyterlab-webrtc-kernel install, then restart the kernel/,
  );

  // This kernel's own streamer and this extension agree: no text, the kernel got exactly one hello
  // of our protocol, and took it without a word in the widget's log.
  await runCode(
    page,
    3,
    `import { webrtcStreamer } from "jupyterlab-webrtc-bridge";
const ok = webrtcStreamer({ key: "handshake-ok" });
(globalThis as any).seenOwn = [];
ok.custom$.subscribe(({ content }) => (globalThis as any).seenOwn.push(content));
ok`,
  );
  const own = page.locator('.jp-webrtc').nth(2);
  await expect(own.locator('.jp-webrtc-start')).toBeEnabled();
  await expect(own.locator('.jp-webrtc-error')).toBeHidden();
  expect(JSON.parse(await runAndRead(page, 4, seenByKernel('seenOwn')))).toEqual({ hellos: [1], errors: [] });
  expect(await runAndRead(page, 4, '"log lines: " + webrtcStreamer({ key: "handshake-ok" }).get("log").length')).toBe(
    'log lines: 0',
  );
  await expect(own.locator('.jp-webrtc-log')).toBeHidden();
});
