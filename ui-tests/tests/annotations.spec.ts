/**
 * Issue 11, the results side channel in a real JupyterLab with Chromium's fake camera: a cell
 * annotates every frame with a magenta box over the middle of the picture (a quarter of the frame
 * in from each side, computed from the frame's size). The widget draws it on a canvas over the
 * video: over the kernel's output in sendrecv, over the camera preview in sendonly (no video comes
 * back there). The test reads the canvas's pixels (magenta along the box's bottom edge, nothing
 * inside it or outside it), a Label fed from annotations$ lists the results, and a malformed
 * annotation gives an error in the widget and under the cell while the stream plays on.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import type { PictureRegion } from './helpers';
import {
  clickStart,
  clickStop,
  expectNoErrors,
  newTypeScriptNotebook,
  readOverlay,
  runCode,
  streamerStatus,
} from './helpers';

/** The streamer cell: `mode` and the box over the middle of each frame, as both tests use them. */
const annotatedCell = (key: string, mode: string) => `import { webrtcStreamer, Label } from "jupyterlab-webrtc-bridge";
import type { Frame, FrameAnnotations } from "jupyterlab-webrtc-bridge";
import { map } from "rxjs";
const cam = webrtcStreamer({ key: "${key}", mode: "${mode}" });
const middle = (f: Frame): FrameAnnotations => ({ timestamp: f.timestamp, width: f.width, height: f.height,
  items: [{ kind: "box", x: f.width / 4, y: f.height / 4, width: f.width / 2, height: f.height / 2,
            label: "middle", score: 0.87, colour: "#ff00ff" }] });
cam.annotate((frames$) => frames$.pipe(map(middle)));
cam`;

const LABEL_CELL = `const results = new Label();
cam.annotations$.subscribe((a) => (results.value = a.items.map((i) => (i.kind === "box" ? \`\${i.label} \${i.score}\` : i.kind)).join(", ")));
results`;

const MAGENTA = [255, 0, 255] as const;
/**
 * Where the test reads the overlay: a strip around the box's bottom edge (3/4 down, from 35% to 65%
 * across), the box's inside, and a patch outside it (top-left corner).
 */
const EDGE: PictureRegion = [0.35, 0.74, 0.65, 0.76];
const INSIDE: PictureRegion = [0.35, 0.35, 0.65, 0.65];
const OUTSIDE: PictureRegion = [0.02, 0.02, 0.15, 0.15];

/** Waits until the overlay over `videoSelector` shows the box: its edge magenta, inside and outside clear. */
async function expectBoxDrawn(page: IJupyterLabPageFixture, videoSelector: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const r = await readOverlay(page, videoSelector, MAGENTA, [EDGE, INSIDE, OUTSIDE]);
        const [edge, inside, outside] = r?.shares ?? [];
        return r !== null && r.state === 'drawn' && edge > 0.15 && inside < 0.01 && outside < 0.01
          ? 'box drawn'
          : JSON.stringify(r);
      },
      { timeout: 30_000 },
    )
    .toBe('box drawn');
}

test('sendrecv: the box is drawn over the output video, a Label lists annotations$, a malformed one is reported', async ({
  page,
}) => {
  await newTypeScriptNotebook(page, 'annotations-sendrecv.ipynb');
  await runCode(page, 0, annotatedCell('ui-annotations', 'sendrecv'));
  await expectNoErrors(page, 0);
  await runCode(page, 1, LABEL_CELL);
  await expectNoErrors(page, 1);
  await clickStart(page);

  await test.step('the overlay over the output video has the box around the middle', async () => {
    await expectBoxDrawn(page, 'video.jp-webrtc-output');
  });

  await test.step("drawn on the frame they belong to: the shown frame's RTP timestamp is theirs or just after", async () => {
    // Each frame is annotated, and the browser shows frames as they come, so the shown frame's RTP
    // timestamp is the annotations' own or a frame or two later (90 kHz: under 0.2 s). Required of
    // ALIGNED_DRAWS successive drawn annotations, none drawn by the MAX_WAIT_MS fallback meanwhile.
    const ALIGNED_DRAWS = 10;
    const lateDraws = () =>
      page.evaluate(
        (selector) =>
          Number((document.querySelector(selector)?.nextElementSibling as HTMLElement | null)?.dataset.lateDraws ?? 0),
        'video.jp-webrtc-output',
      );
    const lateBefore = await lateDraws();
    const aligned = new Set<string>();
    await expect
      .poll(
        async () => {
          const r = await readOverlay(page, 'video.jp-webrtc-output', MAGENTA, []);
          if (!r || r.rtp === '' || r.frameRtp === '') return `no RTP timestamps: ${JSON.stringify(r)}`;
          const behind = (Number(r.frameRtp) - Number(r.rtp) + 2 ** 32) % 2 ** 32;
          if (behind > 90 * 200) return `shown frame ${behind / 90} ms after the annotations' frame`;
          aligned.add(r.rtp);
          return aligned.size >= ALIGNED_DRAWS ? 'aligned' : `${aligned.size} aligned draws so far`;
        },
        { timeout: 20_000, intervals: [50] },
      )
      .toBe('aligned');
    expect(await lateDraws()).toBe(lateBefore);
  });

  await test.step('the Label fed from annotations$ lists the results', async () => {
    const label = (await page.notebook.getCellOutputLocator(1))!.locator('.widget-label');
    await expect(label).toHaveText('middle 0.87', { timeout: 30_000 });
  });

  await test.step('a malformed annotation: the error in the widget and under the cell, the stream plays on', async () => {
    const session = await page.locator('[data-session-id]').first().getAttribute('data-session-id');
    await runCode(
      page,
      2,
      `let n = 0;
cam.annotate((frames$) => frames$.pipe(map((f) => (n++ % 2 === 0 ? { ...middle(f), items: [{ kind: "box" as const, x: 1e9, y: 0, width: 1, height: 1 }] } : middle(f)))));
"set"`,
    );
    const message = 'annotate: malformed annotations: annotations.items[0]: box x and y must be finite numbers';
    await expect((await page.notebook.getCellOutputLocator(2))!).toContainText(message);
    await expect(page.locator('.jp-webrtc-error').first()).toContainText(message);
    await expect(streamerStatus(page)).toHaveText(/^playing/i);
    // the valid ones still come and are drawn, on the same session
    await expectBoxDrawn(page, 'video.jp-webrtc-output');
    expect(await page.locator('[data-session-id]').first().getAttribute('data-session-id')).toBe(session);
  });

  await test.step('re-running that cell without annotate() removes it: the drawn box fades out', async () => {
    await runCode(page, 2, '"annotate removed"');
    await expect
      .poll(async () => (await readOverlay(page, 'video.jp-webrtc-output', MAGENTA, []))?.state, { timeout: 10_000 })
      .toBe('');
    await expect(streamerStatus(page)).toHaveText(/^playing/i);
  });

  await clickStop(page);
});

test('sendonly: the box is drawn over the camera preview (nothing comes back)', async ({ page }) => {
  await newTypeScriptNotebook(page, 'annotations-sendonly.ipynb');
  await runCode(page, 0, annotatedCell('ui-annotations-sendonly', 'sendonly'));
  await expectNoErrors(page, 0);
  await expect(page.locator('video.jp-webrtc-output')).toHaveCount(0);
  await clickStart(page);
  await expectBoxDrawn(page, 'video.jp-webrtc-local');
  await clickStop(page);
});

test('sendonly + mirror: the box is flipped with the mirrored preview it is drawn over', async ({ page }) => {
  await newTypeScriptNotebook(page, 'annotations-mirror.ipynb');
  // a box over the left fifth of the frame (10% to 30% across): on the mirrored preview it shows at 70% to 90%
  const cell = annotatedCell('ui-annotations-mirror', 'sendonly')
    .replace('mode: "sendonly"', 'mode: "sendonly", mirror: true')
    .replace('x: f.width / 4,', 'x: f.width / 10,')
    .replace('width: f.width / 2,', 'width: f.width / 5,');
  await runCode(page, 0, cell);
  await expectNoErrors(page, 0);
  await clickStart(page);
  const frameLeftEdge: PictureRegion = [0.13, 0.74, 0.27, 0.76];
  const mirroredEdge: PictureRegion = [0.73, 0.74, 0.87, 0.76];
  await expect
    .poll(
      async () => {
        const r = await readOverlay(page, 'video.jp-webrtc-local', MAGENTA, [mirroredEdge, frameLeftEdge]);
        const [mirrored, unmirrored] = r?.shares ?? [];
        return r !== null && r.state === 'drawn' && mirrored > 0.15 && unmirrored < 0.01
          ? 'flipped with the preview'
          : JSON.stringify(r);
      },
      { timeout: 30_000 },
    )
    .toBe('flipped with the preview');
  await clickStop(page);
});

test('recvonly: the box is drawn over the kernel stream, whose frames annotate() gets', async ({ page }) => {
  await newTypeScriptNotebook(page, 'annotations-recvonly.ipynb');
  await runCode(
    page,
    0,
    annotatedCell('ui-annotations-recvonly', 'recvonly')
      .replace(
        'mode: "recvonly" }',
        'mode: "recvonly", source: interval(33).pipe(map(() => createI420Frame(320, 240, performance.now()))) }',
      )
      .replace(
        'import { map } from "rxjs";',
        'import { createI420Frame } from "jupyterlab-webrtc-bridge";\nimport { interval, map } from "rxjs";',
      ),
  );
  await expectNoErrors(page, 0);
  await clickStart(page);
  await expectBoxDrawn(page, 'video.jp-webrtc-output');
  await clickStop(page);
});
