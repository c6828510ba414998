import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IJupyterWidgetRegistry } from '@jupyter-widgets/base';

import { PLUGIN_ID, siteSettings } from './settings';
import { WebRtcStreamerModel, WebRtcStreamerView } from './streamer';
import { MODULE_NAME, MODULE_VERSION } from './version';

/**
 * Registers the streamer widget module with the widget manager and keeps
 * the site settings (schema/plugin.json) current for its views.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'A camera streamer widget that sends video to the kernel over WebRTC.',
  requires: [IJupyterWidgetRegistry, ISettingRegistry],
  autoStart: true,
  activate: (
    _app: JupyterFrontEnd,
    registry: IJupyterWidgetRegistry,
    settingRegistry: ISettingRegistry
  ): void => {
    registry.registerWidget({
      name: MODULE_NAME,
      version: MODULE_VERSION,
      exports: { WebRtcStreamerModel, WebRtcStreamerView }
    });
    settingRegistry
      .load(PLUGIN_ID)
      .then(settings => siteSettings.connect(settings))
      .catch(reason => {
        console.error(
          'jupyterlab-webrtc: could not load settings; using the defaults',
          reason
        );
      });
  }
};

export default plugin;
