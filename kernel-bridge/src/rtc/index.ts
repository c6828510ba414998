/** The peer layer's public API (for the streamer): one werift peer and its codecs in a worker. Frames are in ../media. */
export {
  MediaPeer,
  type MediaPeerOptions,
  type IceServerLike,
  type CandidateInit,
  type MediaStats,
  type PeerState,
} from './media-peer';
export { perSecond } from './per-second';
export type { EncoderCaps } from './protocol';
