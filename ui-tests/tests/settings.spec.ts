/**
 * Issue 3: the extension's site-wide defaults (ICE servers, codec, stats overlay) are edited in
 * JupyterLab's Settings Editor (schema/plugin.json through the setting registry) and reach what the
 * streamer widgets read: the settings store the plugin fills (src/settings.ts), which is also the
 * plugin's service, read here through galata's getPlugin.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';

const PLUGIN_ID = 'jupyterlab-webrtc:plugin';
const REGISTRY_PLUGIN_ID = '@jupyterlab/apputils-extension:settings';

interface IWidgetSettings {
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  preferredCodec: string;
  showStats: boolean;
}

/** What every streamer view reads: the current value of the plugin's settings store. */
async function widgetSettings(page: IJupyterLabPageFixture): Promise<IWidgetSettings> {
  return page.evaluate(async (pluginId) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const store = await (window as any).galata.getPlugin(pluginId);
    return JSON.parse(JSON.stringify(store.current));
  }, PLUGIN_ID);
}

/** One of our settings as the setting registry has it (user value over the schema default). */
async function registryValue(page: IJupyterLabPageFixture, key: string): Promise<unknown> {
  return page.evaluate(
    async ({ pluginId, registryId, key }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const registry = await (window as any).galata.getPlugin(registryId);
      const settings = await registry.load(pluginId);
      return JSON.parse(JSON.stringify(settings.composite[key] ?? null));
    },
    { pluginId: PLUGIN_ID, registryId: REGISTRY_PLUGIN_ID, key },
  );
}

/** Writes one of our settings through the setting registry, the path the Settings Editor uses. */
async function setSetting(page: IJupyterLabPageFixture, key: string, value: unknown): Promise<void> {
  await page.evaluate(
    async ({ pluginId, registryId, key, value }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const registry = await (window as any).galata.getPlugin(registryId);
      await registry.set(pluginId, key, value);
    },
    { pluginId: PLUGIN_ID, registryId: REGISTRY_PLUGIN_ID, key, value },
  );
}

/** Back to the schema defaults, so no test sees another's settings. */
async function resetSettings(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(
    async ({ pluginId, registryId }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const registry = await (window as any).galata.getPlugin(registryId);
      for (const key of ['iceServers', 'preferredCodec', 'showStats']) {
        await registry.remove(pluginId, key);
      }
    },
    { pluginId: PLUGIN_ID, registryId: REGISTRY_PLUGIN_ID },
  );
}

test.afterEach(async ({ page }) => {
  await resetSettings(page);
});

test('the streamer starts with the schema defaults', async ({ page }) => {
  await expect
    .poll(() => widgetSettings(page))
    .toEqual({
      iceServers: [],
      iceTransportPolicy: 'all',
      preferredCodec: 'VP8',
      showStats: false,
      // no caps, no bitrate override, and under load keep the resolution (as contentHint 'detail' did)
      quality: {
        max_width: null,
        max_height: null,
        max_fps: null,
        bitrate_kbps: null,
        degradation: 'maintain-resolution',
      },
      // WebRTC, falling back to the kernel transport when it has not connected within 5 s
      transport: 'auto',
    });
});

test('toggling the stats overlay in the Settings Editor reaches the widgets', async ({ page }) => {
  await page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await (window as any).jupyterapp.commands.execute('settingeditor:open', { query: 'WebRTC' });
  });
  const editor = page.locator('.jp-SettingsPanel');
  await expect(editor.getByText('WebRTC Streamer').first()).toBeVisible();
  await page.getByText('WebRTC Streamer').first().click();
  await expect(editor.getByText('ICE servers').first()).toBeVisible();
  await expect(editor.getByText('Preferred video codec').first()).toBeVisible();

  const showStats = editor.getByLabel('Show statistics overlay');
  await expect(showStats).not.toBeChecked();
  expect((await widgetSettings(page)).showStats).toBe(false);

  await showStats.click();
  await expect(showStats).toBeChecked();
  // The editor saves to the registry; the plugin's store follows the registry's `changed`.
  await expect.poll(() => registryValue(page, 'showStats')).toBe(true);
  await expect.poll(async () => (await widgetSettings(page)).showStats).toBe(true);

  await showStats.click();
  await expect(showStats).not.toBeChecked();
  await expect.poll(() => registryValue(page, 'showStats')).toBe(false);
  await expect.poll(async () => (await widgetSettings(page)).showStats).toBe(false);
});

test('ICE servers saved in the setting registry are the ones the widgets use', async ({ page }) => {
  const servers = [
    { urls: 'stun:stun.example.org:3478' },
    { urls: ['turn:turn.example.org:3478'], username: 'user', credential: 'secret' },
  ];
  await setSetting(page, 'iceServers', servers);
  await expect.poll(() => registryValue(page, 'iceServers')).toEqual(servers);
  await expect.poll(async () => (await widgetSettings(page)).iceServers).toEqual(servers);

  // The Settings Editor shows the saved servers in its form.
  await page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await (window as any).jupyterapp.commands.execute('settingeditor:open', { query: 'WebRTC' });
  });
  const editor = page.locator('.jp-SettingsPanel');
  await page.getByText('WebRTC Streamer').first().click();
  const inputValues = () =>
    editor.locator('input').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
  await expect.poll(inputValues).toContain('stun:stun.example.org:3478');

  // Removing the user value falls back to the default: host candidates only.
  await resetSettings(page);
  await expect.poll(async () => (await widgetSettings(page)).iceServers).toEqual([]);
});
