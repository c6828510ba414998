export * from './messages';
export * from './model';
export * from './signalling';
export * from './view';
