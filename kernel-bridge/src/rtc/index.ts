/** The media layer's public API (for the streamer): peer + frames + drop policy. */
export {
  MediaPeer,
  resolveWorkerScript,
  type MediaPeerOptions,
  type SendOptions,
  type IceServerLike,
  type CandidateInit,
  type MediaStats,
  type PeerState,
} from './media-peer';
export {
  type Frame,
  I420Frame,
  createI420Frame,
  frameFromRGBA,
  i420Size,
  chromaWidth,
  chromaHeight,
  latestFirst,
  type LatestFirstOptions,
} from '../media';
