// jsdom lacks a few browser globals that @lumino (via @jupyter-widgets/base)
// touches while loading.
if (typeof globalThis.DragEvent === 'undefined') {
  globalThis.DragEvent = class DragEvent extends MouseEvent {
    constructor(type, init = {}) {
      super(type, init);
      this.dataTransfer = init.dataTransfer ?? null;
    }
  };
}

// jsdom does not play media: resolve like a browser that autoplays.
HTMLMediaElement.prototype.play = function play() {
  return Promise.resolve();
};
HTMLMediaElement.prototype.pause = function pause() {};

// Lumino catches what a signal's receiver throws and only logs it: rethrow,
// so that a failing render or assertion in a receiver fails its test.
require('@lumino/signaling').Signal.setExceptionHandler((error) => {
  throw error;
});
