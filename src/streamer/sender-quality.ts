/**
 * The quality caps (protocol.ts IQuality) as this page's video sender
 * applies them: RTCRtpSender encoding parameters computed from the caps and
 * the camera's actual size, the degradation preference, and the track's
 * contentHint that tells the encoder the same thing. Pure, so it is tested
 * without a browser; signalling.ts applies the result with setParameters.
 */
import type { Degradation, IQuality } from './protocol';

/** What the sender gets for one set of caps. */
export interface ISenderQuality {
  /** Values for encodings[0]; an absent optional field is removed (no cap). */
  encoding: { scaleResolutionDownBy: number; maxBitrate?: number; maxFramerate?: number };
  degradationPreference: Degradation;
  /** The track's contentHint: 'detail' keeps resolution, 'motion' keeps frame rate, '' lets the encoder balance. */
  contentHint: '' | 'detail' | 'motion';
}

/** When no degradation is set anywhere: keep the resolution (the sender's behaviour before the setting). */
const DEFAULT_DEGRADATION: Degradation = 'maintain-resolution';

const HINT_OF: Record<Degradation, ISenderQuality['contentHint']> = {
  'maintain-resolution': 'detail',
  'maintain-framerate': 'motion',
  balanced: '',
};

/**
 * The sender parameters for `quality` on a camera delivering
 * width × height (the track's settings; unknown = no size cap applies):
 * one factor scales the picture down to fit both size caps, keeping the
 * aspect ratio; never up.
 */
export function senderQuality(quality: IQuality, size: { width?: number; height?: number }): ISenderQuality {
  const { width, height } = size;
  const over = (side: number | undefined, cap: number | null) =>
    side !== undefined && side > 0 && cap !== null ? side / cap : 1;
  const scale = Math.max(1, over(width, quality.max_width), over(height, quality.max_height));
  const degradation = quality.degradation ?? DEFAULT_DEGRADATION;
  return {
    encoding: {
      scaleResolutionDownBy: scale,
      ...(quality.bitrate_kbps !== null ? { maxBitrate: quality.bitrate_kbps * 1000 } : {}),
      ...(quality.max_fps !== null ? { maxFramerate: quality.max_fps } : {}),
    },
    degradationPreference: degradation,
    contentHint: HINT_OF[degradation],
  };
}

/**
 * `params` with the quality applied to its first encoding (the caps not
 * set are removed from it, so lifting a cap takes effect too). Returns
 * null when the sender has no encoding yet.
 */
export function withSenderQuality(params: RTCRtpSendParameters, quality: ISenderQuality): RTCRtpSendParameters | null {
  const [first, ...rest] = params.encodings ?? [];
  if (!first) {
    return null;
  }
  const encoding: RTCRtpEncodingParameters = { ...first };
  delete encoding.maxBitrate;
  delete encoding.maxFramerate;
  Object.assign(encoding, quality.encoding);
  return {
    ...params,
    encodings: [encoding, ...rest],
    degradationPreference: quality.degradationPreference,
  } as RTCRtpSendParameters;
}
