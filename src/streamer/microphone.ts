/**
 * The audio part of the getUserMedia constraints for streams with
 * `audio: true` (listing and remembering microphones: device-choice.ts).
 */

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
