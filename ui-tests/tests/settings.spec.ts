/**
 * Issue 3: the extension's site-wide defaults (ICE servers, codec, stats overlay) appear in
 * JupyterLab's Settings Editor, read from schema/plugin.json through the setting registry.
 */
import { expect, test } from '@jupyterlab/galata';

test('the streamer settings appear in the Settings Editor', async ({ page }) => {
  await page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await (window as any).jupyterapp.commands.execute('settingeditor:open', { query: 'WebRTC' });
  });
  const editor = page.locator('.jp-SettingsPanel');
  await expect(editor.getByText('WebRTC Streamer').first()).toBeVisible();
  await page.getByText('WebRTC Streamer').first().click();
  await expect(editor.getByText('ICE servers').first()).toBeVisible();
  await expect(editor.getByText('Preferred video codec').first()).toBeVisible();
  await expect(editor.getByText('Show statistics overlay').first()).toBeVisible();
});
