export * from './protocol';
export * from './model';
export * from './signalling';
export * from './view';
