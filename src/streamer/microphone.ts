/**
 * Microphone helpers for streams with `audio: true`: listing microphones,
 * remembering the chosen one per stream key (like the camera, camera.ts)
 * and the audio part of the getUserMedia constraints.
 */
import type { IMediaDevicesLike } from './camera';

export interface IMicrophone {
  deviceId: string;
  label: string;
}

/** The audio inputs (without ids before the page has permission: dropped then). */
export async function listMicrophones(devices: IMediaDevicesLike | null): Promise<IMicrophone[]> {
  if (!devices) {
    return [];
  }
  const all = await devices.enumerateDevices();
  return all
    .filter((d) => d.kind === 'audioinput' && d.deviceId !== '' && d.deviceId !== 'default')
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Microphone ${i + 1}` }));
}

const STORAGE_PREFIX = 'jupyterlab-webrtc:microphone:';

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** The microphone chosen for stream `key`, if any (survives page reloads). */
export function loadMicrophoneChoice(key: string): string | null {
  try {
    return storage()?.getItem(STORAGE_PREFIX + key) ?? null;
  } catch {
    return null;
  }
}

/** Remembers (or, with null/"", forgets) the microphone for stream `key`. */
export function saveMicrophoneChoice(key: string, deviceId: string | null): void {
  try {
    const store = storage();
    if (deviceId) {
      store?.setItem(STORAGE_PREFIX + key, deviceId);
    } else {
      store?.removeItem(STORAGE_PREFIX + key);
    }
  } catch {
    // storage full or unavailable: the choice just is not remembered
  }
}

/**
 * The `audio` member of the getUserMedia constraints: false without audio;
 * the widget's `media_constraints.audio` when it is an object (e.g.
 * `{echoCancellation: false}`), with the chosen microphone required when it
 * is listed (else only preferred: ids may be hidden before permission).
 */
export function audioConstraint(
  audio: boolean,
  deviceId: string | null,
  listed: boolean,
  mediaConstraints: unknown = null,
): boolean | MediaTrackConstraints {
  if (!audio) {
    return false;
  }
  const given = (mediaConstraints as { audio?: unknown } | null)?.audio;
  const base = typeof given === 'object' && given !== null && !Array.isArray(given) ? given : {};
  const device = deviceId ? { deviceId: listed ? { exact: deviceId } : { ideal: deviceId } } : {};
  const constraint = { ...base, ...device };
  return Object.keys(constraint).length ? constraint : true;
}
