/**
 * The page services a streamer needs (cameras, peer connections, codec
 * capabilities, site settings, the translator), in one replaceable object so
 * that tests can run the model and its views on fakes.
 */
import type { ITranslator } from '@jupyterlab/translation';

import { SettingsStore, siteSettings } from '../settings';
import { pageTranslator } from '../translator';
import { IMediaDevicesLike, mediaDevices } from './camera';
import type { IPeerConnectionLike, ISignallingOptions } from './signalling';

/** What a streamer model and its views need from the page; tests replace it. */
export interface IStreamerEnvironment {
  devices: IMediaDevicesLike | null;
  createPeerConnection(config: RTCConfiguration): IPeerConnectionLike;
  getCodecCapabilities?: ISignallingOptions['getCodecCapabilities'];
  makeStream?: ISignallingOptions['makeStream'];
  settings: SettingsStore;
  /** JupyterLab's translator for the widget's texts; absent = English (the null translator). */
  translator?: ITranslator;
}

function browserEnvironment(): IStreamerEnvironment {
  return {
    devices: mediaDevices(),
    createPeerConnection: (config) => {
      if (typeof RTCPeerConnection === 'undefined') {
        throw new Error('this browser has no WebRTC (RTCPeerConnection)');
      }
      return new RTCPeerConnection(config) as unknown as IPeerConnectionLike;
    },
    settings: siteSettings,
    translator: pageTranslator.current,
  };
}

/**
 * Replaceable for tests: the environment new models are created with (each
 * model's views share it).
 */
export const streamerEnvironment: { create: () => IStreamerEnvironment } = {
  create: browserEnvironment,
};

/**
 * getUserMedia on the environment's cameras; where the page has none (not
 * https or localhost) a SecurityError, which the session reports as such.
 */
export function openCamera(env: IStreamerEnvironment, constraints: MediaStreamConstraints): Promise<MediaStream> {
  if (!env.devices) {
    const error = new Error('this page cannot use cameras (it needs https or localhost)');
    error.name = 'SecurityError';
    return Promise.reject(error);
  }
  return env.devices.getUserMedia(constraints);
}
