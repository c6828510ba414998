import { buildConstraints, describeCameraError } from '../streamer/camera';
import { listDevices, loadDeviceChoice, saveDeviceChoice } from '../streamer/device-choice';
import { applyCodecPreference, preferCodec } from '../streamer/codecs';
import { FakeMediaDevices, FakeTransceiver, namedError, VIDEO_CAPABILITIES, videoInput } from './fakes';

describe('buildConstraints', () => {
  it('defaults to {video: true} and never asks for audio', () => {
    expect(buildConstraints(null, null)).toEqual({ video: true, audio: false });
    expect(buildConstraints({ video: true, audio: true }, null)).toEqual({ video: true, audio: false });
    expect(buildConstraints({ video: false }, null)).toEqual({ video: true, audio: false });
  });

  it('keeps the widget constraints and adds the chosen camera', () => {
    expect(buildConstraints({ video: { width: 640, height: 480 } }, 'cam-a')).toEqual({
      video: { width: 640, height: 480, deviceId: { exact: 'cam-a' } },
      audio: false,
    });
    expect(buildConstraints(null, 'cam-a')).toEqual({ video: { deviceId: { exact: 'cam-a' } }, audio: false });
  });

  it('ignores invalid media_constraints with a warning', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(buildConstraints('640x480', null)).toEqual({ video: true, audio: false });
    expect(buildConstraints({ video: 'hd' }, null)).toEqual({ video: true, audio: false });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('describeCameraError', () => {
  it('explains the usual getUserMedia failures', () => {
    expect(describeCameraError(namedError('NotFoundError'))).toMatch(/^camera missing/);
    expect(describeCameraError(namedError('NotAllowedError'))).toMatch(/^camera access denied/);
    const over = Object.assign(namedError('OverconstrainedError'), { constraint: 'width' });
    expect(describeCameraError(over)).toBe('camera cannot satisfy the requested constraints (width)');
    expect(describeCameraError(new Error('boom'))).toBe('camera error: boom');
  });
});

describe('listing cameras', () => {
  it('lists video inputs only, naming unlabelled ones and hiding id-less ones', async () => {
    const devices = new FakeMediaDevices();
    devices.devices = [
      videoInput('a', 'Front'),
      { deviceId: 'mic', kind: 'audioinput', label: 'Mic', groupId: 'g' } as MediaDeviceInfo,
      videoInput('b', ''),
      videoInput('', ''), // before permission
    ];
    expect(await listDevices(devices, 'camera')).toEqual([
      { deviceId: 'a', label: 'Front' },
      { deviceId: 'b', label: 'Camera 2' },
    ]);
    expect(await listDevices(null, 'camera')).toEqual([]);
  });
});

describe('camera choice storage', () => {
  it('stores one choice per key and forgets it on null', () => {
    localStorage.clear();
    saveDeviceChoice('camera', 'a', 'cam-1');
    saveDeviceChoice('camera', 'b', 'cam-2');
    expect(loadDeviceChoice('camera', 'a')).toBe('cam-1');
    expect(loadDeviceChoice('camera', 'b')).toBe('cam-2');
    saveDeviceChoice('camera', 'a', null);
    expect(loadDeviceChoice('camera', 'a')).toBeNull();
  });
});

describe('codec preference', () => {
  it('moves the codec first and keeps the rest in order; null when absent', () => {
    expect(preferCodec(VIDEO_CAPABILITIES.codecs, 'vp8')!.map((c) => c.mimeType)).toEqual([
      'video/VP8',
      'video/H264',
      'video/rtx',
      'video/VP9',
      'video/AV1',
    ]);
    expect(preferCodec([{ mimeType: 'video/H264' }], 'VP8')).toBeNull();
  });

  it('applies where supported and reports false elsewhere, never throwing', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = new FakeTransceiver();
    expect(applyCodecPreference(t, 'VP8', () => VIDEO_CAPABILITIES)).toBe(true);
    expect(t.codecPreferences![0].mimeType).toBe('video/VP8');
    expect(applyCodecPreference({}, 'VP8', () => VIDEO_CAPABILITIES)).toBe(false);
    expect(applyCodecPreference(new FakeTransceiver(), 'VP8', () => null)).toBe(false);
    const throwing = {
      setCodecPreferences: () => {
        throw namedError('InvalidModificationError');
      },
    };
    expect(applyCodecPreference(throwing, 'VP8', () => VIDEO_CAPABILITIES)).toBe(false);
    expect(warn).toHaveBeenCalled();
  });
});
