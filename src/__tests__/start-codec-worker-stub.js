// jest.config.js maps start-codec-worker to this: jsdom has no Worker, and the unit tests pass fake codecs.
exports.startCodecWorker = () => {
  throw new Error('no codec worker in unit tests');
};
