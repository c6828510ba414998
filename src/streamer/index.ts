/**
 * The streamer module's entry: plugin.ts imports it lazily (a separate chunk, loaded only when a
 * notebook first shows a streamer), and src/index.ts re-exports it.
 */
export * from './protocol';
export * from './model';
export * from './signalling';
export * from './view';
