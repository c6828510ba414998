export * from './version';
export * from './settings';
export * from './streamer';
