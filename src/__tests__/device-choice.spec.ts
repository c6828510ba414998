/**
 * The shared camera/microphone choice (streamer/device-choice.ts): choices are stored under the
 * keys earlier versions used (users keep them), each kind lists only its own inputs, and the picker
 * selects the remembered device, else the one in use, when it is listed.
 */
import { listDevices, loadDeviceChoice, saveDeviceChoice, showDeviceChoices } from '../streamer/device-choice';
import { FakeMediaDevices, videoInput } from './fakes';

const audioInput = (deviceId: string, label: string): MediaDeviceInfo =>
  ({ deviceId, label, kind: 'audioinput', groupId: 'g' }) as MediaDeviceInfo;

beforeEach(() => localStorage.clear());

describe('device choice storage', () => {
  it('keeps the storage keys of earlier versions, one per kind and stream key', () => {
    localStorage.setItem('jupyterlab-webrtc:camera:k', 'cam-old');
    localStorage.setItem('jupyterlab-webrtc:microphone:k', 'mic-old');
    expect(loadDeviceChoice('camera', 'k')).toBe('cam-old');
    expect(loadDeviceChoice('microphone', 'k')).toBe('mic-old');
    saveDeviceChoice('camera', 'k', 'cam-new');
    saveDeviceChoice('microphone', 'k', '');
    expect(localStorage.getItem('jupyterlab-webrtc:camera:k')).toBe('cam-new');
    expect(localStorage.getItem('jupyterlab-webrtc:microphone:k')).toBeNull();
    expect(localStorage.length).toBe(1);
  });
});

describe('listDevices', () => {
  it("lists a kind's own inputs; microphones without Chrome's 'default' entry", async () => {
    const devices = new FakeMediaDevices();
    devices.devices = [
      videoInput('default', 'Cam'),
      audioInput('default', 'Default - Mic one'),
      audioInput('m1', 'Mic one'),
      audioInput('m2', ''),
      audioInput('', ''),
    ];
    expect(await listDevices(devices, 'microphone')).toEqual([
      { deviceId: 'm1', label: 'Mic one' },
      { deviceId: 'm2', label: 'Microphone 2' },
    ]);
    expect(await listDevices(devices, 'camera')).toEqual([{ deviceId: 'default', label: 'Cam' }]);
  });
});

describe('showDeviceChoices', () => {
  const devices = new FakeMediaDevices();
  devices.devices = [audioInput('m1', 'Mic one'), audioInput('m2', 'Mic two')];
  const options = (select: HTMLSelectElement) => [...select.options].map((o) => [o.value, o.textContent]);

  it('fills the picker after a default entry and selects the remembered device over the one in use', async () => {
    const select = document.createElement('select');
    saveDeviceChoice('microphone', 'k', 'm2');
    const listed = await showDeviceChoices(select, 'microphone', devices, 'k', 'm1');
    expect(listed.map((d) => d.deviceId)).toEqual(['m1', 'm2']);
    expect(options(select)).toEqual([
      ['', 'Default microphone'],
      ['m1', 'Mic one'],
      ['m2', 'Mic two'],
    ]);
    expect(select.value).toBe('m2');
    saveDeviceChoice('microphone', 'k', 'gone');
    await showDeviceChoices(select, 'microphone', devices, 'k', 'm1');
    expect(select.value).toBe('m1');
    await showDeviceChoices(select, 'microphone', devices, 'k');
    expect(select.value).toBe('');
  });

  it('offers only the default when listing fails, saying why it is alone', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const failing = new FakeMediaDevices();
    failing.enumerateDevices = () => Promise.reject(new Error('no'));
    const select = document.createElement('select');
    expect(await showDeviceChoices(select, 'camera', failing, 'k')).toEqual([]);
    expect(options(select)).toEqual([['', 'Default camera (allow access to list cameras)']]);
    expect(warn).toHaveBeenCalledWith('jupyterlab-webrtc: could not list cameras', expect.any(Error));
    warn.mockRestore();
  });
});
