/**
 * The media pieces a notebook sees (frame types, latestFirst), gathered for ../index.ts and the
 * streamer. Worker-side internals (codecs, buffer pool, latest-slot) are imported by their own paths.
 */
export { type Frame, I420Frame, createI420Frame, frameFromRGBA, i420Size, chromaWidth, chromaHeight } from './frame';
export { latestFirst, type LatestFirstOptions } from './latest-first';
export { type AudioFrame, audioFrameProblem, MAX_AUDIO_CHANNELS, MAX_AUDIO_SAMPLES } from './audio-frame';
export { rms, scaleAudio, toneLevel } from './audio-level';
