// The bundler and jest both resolve this require at build time; declaring it
// here (module scope) keeps Node's typings out of the browser build.
declare const require: (id: string) => { name: string; version: string };

const data = require('../package.json');

/**
 * The widget module name: `_model_module` / `_view_module` of the kernel's
 * widgets must equal it.
 */
export const MODULE_NAME: string = data.name;

/**
 * The module version the widgets are registered under. The kernel's
 * `_model_module_version` is `*` (any): the streamer protocol's version
 * handshake (streamer/handshake.ts), not semver, decides compatibility.
 */
export const MODULE_VERSION: string = data.version;
