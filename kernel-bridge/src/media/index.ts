export { type Frame, I420Frame, createI420Frame, frameFromRGBA, i420Size, chromaWidth, chromaHeight } from './frame';
export { latestFirst, type LatestFirstOptions } from './latest-first';
