/**
 * The camera and the microphone are picked the same way: the browser's inputs of that kind are
 * listed into a picker, and the user's choice is remembered per stream key in localStorage (it
 * survives page reloads). One implementation for both kinds; the storage keys
 * (`jupyterlab-webrtc:camera:<key>`, `jupyterlab-webrtc:microphone:<key>`) must not change, or
 * users lose the choices they made.
 */
import type { IMediaDevicesLike } from './camera';
import type { IStreamerTexts } from './texts';

export type DeviceKind = 'camera' | 'microphone';

export interface IDevice {
  deviceId: string;
  label: string;
}

const KINDS: Record<DeviceKind, { input: MediaDeviceKind; name: string; hiddenIds: readonly string[] }> = {
  camera: { input: 'videoinput', name: 'Camera', hiddenIds: [] },
  // Chrome lists a 'default' audio input that repeats one of the real microphones.
  microphone: { input: 'audioinput', name: 'Microphone', hiddenIds: ['default'] },
};

/** The picker's own texts (texts.ts translates them for the view). */
export type DeviceNames = Pick<IStreamerTexts, 'defaultDevice' | 'unnamedDevice'>;

/** Untranslated: for callers that pass no texts (the tests of this module). */
const ENGLISH_NAMES: DeviceNames = {
  defaultDevice: (kind, listed) => (listed ? `Default ${kind}` : `Default ${kind} (allow access to list ${kind}s)`),
  unnamedDevice: (kind, index) => `${KINDS[kind].name} ${index}`,
};

/**
 * The inputs of `kind`. Before the page has permission browsers hide ids and labels: entries
 * without an id are dropped then, and unlabelled ones are numbered ("Camera 2").
 */
export async function listDevices(
  devices: IMediaDevicesLike | null,
  kind: DeviceKind,
  names: DeviceNames = ENGLISH_NAMES,
): Promise<IDevice[]> {
  if (!devices) {
    return [];
  }
  const { input, hiddenIds } = KINDS[kind];
  const all = await devices.enumerateDevices();
  return all
    .filter((d) => d.kind === input && d.deviceId !== '' && !hiddenIds.includes(d.deviceId))
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label || names.unnamedDevice(kind, i + 1) }));
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // access denied (e.g. sandboxed iframe)
  }
}

const storageKey = (kind: DeviceKind, key: string): string => `jupyterlab-webrtc:${kind}:${key}`;

/** The device of `kind` chosen for stream `key`, if any. */
export function loadDeviceChoice(kind: DeviceKind, key: string): string | null {
  try {
    return storage()?.getItem(storageKey(kind, key)) ?? null;
  } catch {
    return null;
  }
}

/** Remembers (or, with null/"", forgets) the device of `kind` for stream `key`. */
export function saveDeviceChoice(kind: DeviceKind, key: string, deviceId: string | null): void {
  try {
    const store = storage();
    if (deviceId) {
      store?.setItem(storageKey(kind, key), deviceId);
    } else {
      store?.removeItem(storageKey(kind, key));
    }
  } catch {
    // storage full or unavailable: the choice just is not remembered
  }
}

/**
 * Lists the inputs of `kind` into `select`, after a "Default ..." entry (value ""), and selects the
 * remembered choice for `key`, else `inUse`, when listed. Returns the devices listed (none when
 * listing failed: the picker then offers only the default).
 */
export async function showDeviceChoices(
  select: HTMLSelectElement,
  kind: DeviceKind,
  devices: IMediaDevicesLike | null,
  key: string,
  inUse?: string,
  names: DeviceNames = ENGLISH_NAMES,
): Promise<IDevice[]> {
  let listed: IDevice[] = [];
  try {
    listed = await listDevices(devices, kind, names);
  } catch (error) {
    console.warn(`jupyterlab-webrtc: could not list ${kind}s`, error);
  }
  select.replaceChildren();
  const fallback = document.createElement('option');
  fallback.value = '';
  fallback.textContent = names.defaultDevice(kind, listed.length > 0);
  select.append(fallback);
  for (const device of listed) {
    const option = document.createElement('option');
    option.value = device.deviceId;
    option.textContent = device.label;
    select.append(option);
  }
  const chosen = loadDeviceChoice(kind, key);
  const selected = [chosen, inUse].find((id) => id && listed.some((d) => d.deviceId === id));
  select.value = selected ?? '';
  return listed;
}
