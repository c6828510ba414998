/**
 * The package's "main" (package.json), for code that imports jupyterlab-webrtc as a library.
 * JupyterLab itself starts from lib/plugin ("jupyterlab.extension"); nothing in this repo imports it.
 */
export * from './version';
export * from './settings';
export * from './streamer';
