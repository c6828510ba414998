/**
 * The JupyterLab plugin: the one place the extension meets the application
 * (widget registry, setting registry, translator).
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { IJupyterWidgetRegistry } from '@jupyter-widgets/base';

import { PLUGIN_ID, SettingsStore, siteSettings } from './settings';
import { pageTranslator } from './translator';
import { MODULE_NAME, MODULE_VERSION } from './version';

/**
 * Registers the streamer widget module with the widget manager, keeps the
 * site settings (schema/plugin.json) current for its views and hands them
 * the page's translator (src/translator.ts). Its service
 * is that store (no token: nothing requires it; UI tests read it through
 * galata's getPlugin to check what the widgets see).
 */
const plugin: JupyterFrontEndPlugin<SettingsStore> = {
  id: PLUGIN_ID,
  description: 'A camera streamer widget that sends video to the kernel over WebRTC.',
  requires: [IJupyterWidgetRegistry, ISettingRegistry],
  // Optional: an application without one (a minimal host, tests) gets the English texts.
  optional: [ITranslator],
  autoStart: true,
  activate: (
    _app: JupyterFrontEnd,
    registry: IJupyterWidgetRegistry,
    settingRegistry: ISettingRegistry,
    translator: ITranslator | null,
  ): SettingsStore => {
    // Before the widget module loads: every streamer model takes it into its environment.
    pageTranslator.current = translator ?? nullTranslator;
    // Loaded when the widget manager first needs the module (a notebook
    // shows a streamer), not on every JupyterLab start.
    const exports = async () => {
      const { WebRtcStreamerModel, WebRtcStreamerView } = await import('./streamer');
      return { WebRtcStreamerModel, WebRtcStreamerView };
    };
    // The kernel asks for any version (`*`: the version handshake decides compatibility), which
    // semver never matches to a prerelease: a prerelease registers under its release too.
    for (const version of new Set([MODULE_VERSION, MODULE_VERSION.replace(/-.*$/, '')])) {
      registry.registerWidget({ name: MODULE_NAME, version, exports });
    }
    settingRegistry
      .load(PLUGIN_ID)
      .then((settings) => siteSettings.connect(settings))
      .catch((reason) => {
        console.error('jupyterlab-webrtc: could not load settings; using the defaults', reason);
      });
    return siteSettings;
  },
};

export default plugin;
