/**
 * Issue 13: the version handshake in a real JupyterLab. A kernel of another streamer protocol is
 * simulated honestly: a cell opens the streamer's model through the kernel's public widget API
 * (Widget, modelTraits) with the version traits such a kernel would send. The view must show which
 * package to upgrade and the command, never the widget manager's bare "not registered" error, and
 * Start must not open a session.
 */
import { expect, test } from '@jupyterlab/galata';
import { newTypeScriptNotebook, runAndRead, runCode } from './helpers';

/** A streamer model as a kernel speaking protocol `protocol`, package `version`, would open it. */
const otherKernelCell = (protocol: number, version: string) =>
  `import { Widget, modelTraits, domTraits, traits } from "jupyterlab-webrtc-bridge";
new Widget({
  ...modelTraits(["jupyterlab-webrtc", "*", "WebRtcStreamerModel"], ["jupyterlab-webrtc", "*", "WebRtcStreamerView"]),
  ...domTraits(),
  protocol_version: traits.int(${protocol}),
  kernel_version: traits.constant("${version}"),
})`;

test('a kernel of a newer or older streamer protocol: the widget says what to upgrade, Start does nothing; our own agree', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'handshake.ipynb');
  await runCode(page, 0, otherKernelCell(99, '9.0.0'));
  const widget = page.locator('.jp-webrtc').first();
  await expect(widget.locator('.jp-webrtc-error')).toContainText(
    /the kernel package jupyterlab-webrtc-bridge 9\.0\.0 is newer than the JupyterLab extension jupyterlab-webrtc \S+ \(streamer protocol 99 in the kernel, 1 in the browser\): run pip install -U jupyterlab-webrtc and reload the page/,
  );
  await expect(page.getByText('is not registered')).toHaveCount(0);

  await widget.locator('.jp-webrtc-start').click();
  // No session: the id stays 0 and the camera is not opened; the text stays.
  await expect(widget).toHaveAttribute('data-session-id', '0');
  await expect(widget.locator('video.jp-webrtc-local')).toHaveJSProperty('srcObject', null);
  await expect(widget.locator('.jp-webrtc-error')).toContainText('pip install -U jupyterlab-webrtc');

  await runCode(page, 1, otherKernelCell(0, '0.0.9'));
  await expect(page.locator('.jp-webrtc').nth(1).locator('.jp-webrtc-error')).toContainText(
    /the JupyterLab extension jupyterlab-webrtc (\S+) is newer than the kernel package jupyterlab-webrtc-bridge 0\.0\.9 \(streamer protocol 0 in the kernel, 1 in the browser\): run npm install -g jupyterlab-webrtc-bridge@\1 && jupyterlab-webrtc-kernel install, then restart the kernel/,
  );

  // This kernel's own streamer and this extension agree: no text, and the kernel took the hello
  // without a word in the widget's log.
  await runCode(
    page,
    2,
    'import { webrtcStreamer } from "jupyterlab-webrtc-bridge";\nwebrtcStreamer({ key: "handshake-ok" })',
  );
  const own = page.locator('.jp-webrtc').nth(2);
  await expect(own.locator('.jp-webrtc-start')).toBeEnabled();
  await expect(own.locator('.jp-webrtc-error')).toBeHidden();
  // The hello reached the kernel before this cell's request (both on the shell channel, in order).
  expect(await runAndRead(page, 3, '"log lines: " + webrtcStreamer({ key: "handshake-ok" }).get("log").length')).toBe(
    'log lines: 0',
  );
  await expect(own.locator('.jp-webrtc-log')).toBeHidden();
});
