import { SettingsStore, siteSettings } from '../settings';
import { IMediaDevicesLike, mediaDevices } from './camera';
import type { IPeerConnectionLike, ISignallingOptions } from './signalling';

/** What a streamer model and its views need from the page; tests replace it. */
export interface IStreamerEnvironment {
  devices: IMediaDevicesLike | null;
  createPeerConnection(config: RTCConfiguration): IPeerConnectionLike;
  getCodecCapabilities?: ISignallingOptions['getCodecCapabilities'];
  makeStream?: ISignallingOptions['makeStream'];
  settings: SettingsStore;
}

function browserEnvironment(): IStreamerEnvironment {
  return {
    devices: mediaDevices(),
    createPeerConnection: config => {
      if (typeof RTCPeerConnection === 'undefined') {
        throw new Error('this browser has no WebRTC (RTCPeerConnection)');
      }
      return new RTCPeerConnection(config) as unknown as IPeerConnectionLike;
    },
    settings: siteSettings
  };
}

/**
 * Replaceable for tests: the environment new models are created with (each
 * model's views share it).
 */
export const streamerEnvironment: { create: () => IStreamerEnvironment } = {
  create: browserEnvironment
};
