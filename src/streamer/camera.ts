/**
 * Camera helpers: building getUserMedia constraints and explaining
 * getUserMedia errors (listing and remembering cameras: device-choice.ts).
 */

/** Minimal view of navigator.mediaDevices (so tests can pass a fake). */
export interface IMediaDevicesLike {
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  addEventListener?(type: 'devicechange', listener: () => void): void;
  removeEventListener?(type: 'devicechange', listener: () => void): void;
}

export function mediaDevices(): IMediaDevicesLike | null {
  if (typeof navigator === 'undefined' || !navigator.mediaDevices) {
    return null;
  }
  return navigator.mediaDevices;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * getUserMedia constraints: the widget's `media_constraints` (default
 * `{video: true}`), with the chosen camera added to the video constraint.
 * Audio only with `audio` (the widget's `audio` trait; see microphone.ts),
 * else never requested.
 */
export function buildConstraints(
  mediaConstraints: unknown,
  deviceId: string | null,
  audio: boolean | MediaTrackConstraints = false,
): MediaStreamConstraints {
  let video: boolean | MediaTrackConstraints = true;
  if (isObject(mediaConstraints) && 'video' in mediaConstraints) {
    const v = mediaConstraints.video;
    if (typeof v === 'boolean' || isObject(v)) {
      video = v as boolean | MediaTrackConstraints;
    }
  } else if (mediaConstraints !== null && mediaConstraints !== undefined) {
    console.warn('jupyterlab-webrtc: ignoring invalid media_constraints', mediaConstraints);
  }
  if (video === false) {
    video = true; // a streamer without video makes no sense
  }
  if (deviceId) {
    video = { ...(video === true ? {} : video), deviceId: { exact: deviceId } };
  }
  return { video, audio };
}

/** A sentence for the user about a failed getUserMedia. */
export function describeCameraError(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  const detail = (error as { message?: unknown } | null)?.message;
  switch (name) {
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return 'camera missing: no camera was found';
    case 'NotAllowedError':
    case 'PermissionDeniedError':
      return 'camera access denied: allow the camera for this page and press Start again';
    case 'NotReadableError':
    case 'TrackStartError':
      return 'camera unavailable: it may be in use by another application';
    case 'OverconstrainedError': {
      const constraint = (error as { constraint?: unknown }).constraint;
      return `camera cannot satisfy the requested constraints${
        typeof constraint === 'string' && constraint ? ` (${constraint})` : ''
      }`;
    }
    case 'SecurityError':
      return 'camera blocked: the page is not allowed to use the camera';
    case 'AbortError':
      return 'camera failed to start';
    default:
      return `camera error: ${typeof detail === 'string' && detail ? detail : String(error)}`;
  }
}

/** Stops every track of a stream (their readyState becomes 'ended'). */
export function stopStream(stream: MediaStream | null | undefined): void {
  if (!stream) {
    return;
  }
  for (const track of stream.getTracks()) {
    track.stop();
  }
}
