/**
 * Codec preference: put the preferred codec first in the offer, where the
 * browser supports RTCRtpTransceiver.setCodecPreferences.
 */

export interface ICodecCapability {
  mimeType: string;
  clockRate?: number;
  channels?: number;
  sdpFmtpLine?: string;
}

/**
 * The capabilities reordered so that `codec` (e.g. "VP8") comes first; the
 * relative order of everything else (RTX, RED, FEC, other codecs) is kept.
 * Null when the list does not contain the codec at all.
 */
export function preferCodec<T extends ICodecCapability>(capabilities: readonly T[], codec: string): T[] | null {
  const wanted = `video/${codec}`.toLowerCase();
  const preferred = capabilities.filter((c) => c.mimeType.toLowerCase() === wanted);
  if (preferred.length === 0) {
    return null;
  }
  const rest = capabilities.filter((c) => c.mimeType.toLowerCase() !== wanted);
  return [...preferred, ...rest];
}

export interface ITransceiverLike {
  setCodecPreferences?: (codecs: RTCRtpCodec[]) => void;
}

/**
 * Applies the preference to a transceiver. Returns whether it was applied;
 * never throws (an unsupported browser simply negotiates its default).
 */
export function applyCodecPreference(
  transceiver: ITransceiverLike,
  codec: string,
  getCapabilities: () => { codecs: RTCRtpCodec[] } | null | undefined = defaultCapabilities,
): boolean {
  if (typeof transceiver.setCodecPreferences !== 'function') {
    return false;
  }
  try {
    const capabilities = getCapabilities();
    const ordered = capabilities ? preferCodec(capabilities.codecs, codec) : null;
    if (!ordered) {
      console.warn(`jupyterlab-webrtc: this browser does not offer ${codec}`);
      return false;
    }
    transceiver.setCodecPreferences(ordered);
    return true;
  } catch (error) {
    console.warn('jupyterlab-webrtc: setCodecPreferences failed', error);
    return false;
  }
}

function defaultCapabilities(): { codecs: RTCRtpCodec[] } | null {
  if (typeof RTCRtpReceiver === 'undefined' || !RTCRtpReceiver.getCapabilities) {
    return null;
  }
  return RTCRtpReceiver.getCapabilities('video');
}
