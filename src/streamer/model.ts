import { DOMWidgetModel, ISerializers } from '@jupyter-widgets/base';
import type { ObjectHash } from 'backbone';

import { MODULE_NAME, MODULE_VERSION } from '../version';
import { KernelMessage, parseKernelMessage } from './messages';

/** Backbone event carrying one validated kernel message to the views. */
export const KERNEL_MESSAGE_EVENT = 'webrtc:message';

/**
 * The streamer's model. State is written by the kernel; the model's own job
 * is to validate the kernel's custom messages once and hand the valid ones
 * to its views.
 */
export class WebRtcStreamerModel extends DOMWidgetModel {
  defaults(): ObjectHash {
    return {
      ...super.defaults(),
      _model_name: WebRtcStreamerModel.model_name,
      _model_module: WebRtcStreamerModel.model_module,
      _model_module_version: WebRtcStreamerModel.model_module_version,
      _view_name: WebRtcStreamerModel.view_name,
      _view_module: WebRtcStreamerModel.view_module,
      _view_module_version: WebRtcStreamerModel.view_module_version,
      key: '',
      ice_servers: null,
      codec: 'VP8',
      show_stats: null,
      media_constraints: null,
      transform_error: '',
      kernel_status: 'idle'
    };
  }

  initialize(attributes: ObjectHash, options: any): void {
    super.initialize(attributes, options);
    this.on('msg:custom', this._onCustomMessage, this);
  }

  /**
   * The view that owns the current session, if any: one stream is one peer
   * connection, so only one view of a model streams at a time.
   */
  streamingView: unknown = null;

  private _onCustomMessage(content: unknown): void {
    const result = parseKernelMessage(content);
    if (!result.ok) {
      console.warn(
        `jupyterlab-webrtc: ignoring a malformed message from the kernel: ${result.reason}`,
        content
      );
      return;
    }
    this.trigger(KERNEL_MESSAGE_EVENT, result.message as KernelMessage);
  }

  static serializers: ISerializers = {
    ...DOMWidgetModel.serializers
  };

  static model_name = 'WebRtcStreamerModel';
  static model_module = MODULE_NAME;
  static model_module_version = MODULE_VERSION;
  static view_name = 'WebRtcStreamerView';
  static view_module = MODULE_NAME;
  static view_module_version = MODULE_VERSION;
}
