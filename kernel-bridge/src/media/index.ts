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
export { LatestSlot, LatestGate } from './latest-slot';
export { I420BufferPool } from './buffer-pool';
export { Vp8Decoder, Vp8Encoder, type Vp8EncoderOptions } from './codecs';
