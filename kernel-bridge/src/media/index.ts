export {
  type Frame,
  I420Frame,
  createI420Frame,
  frameFromRGBA,
  i420Size,
  chromaWidth,
  chromaHeight,
  MAX_FRAME_SIDE,
  releaseScalers,
} from './frame';
export { latestFirst, type LatestFirstOptions } from './latest-first';
export { Vp8Payloader, isVp8Keyframe, type Vp8Payload, DEFAULT_MAX_PAYLOAD } from './vp8-payloader';
export { Vp8Decoder, Vp8Encoder, type Vp8EncoderOptions } from './codecs';
