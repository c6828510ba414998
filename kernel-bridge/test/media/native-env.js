/* Jest environment for tests that use node-av (an ES module package). Jest (on Node < 24.9) cannot
 * require ES modules inside its sandbox, so this environment hands the sandbox Node's real require
 * for the few native packages; src/media/native.ts looks for it (production code just requires). */
const { TestEnvironment } = require('jest-environment-node');
class NativeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global[Symbol.for('jupyterlab-webrtc.nativeRequire')] = require;
  }
}
module.exports = NativeEnvironment;
