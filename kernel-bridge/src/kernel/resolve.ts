/**
 * Lets a cell `import ... from "jupyterlab-webrtc-bridge"` in any notebook folder, without an npm
 * install next to the notebook, by falling back to the kernel's own copy when normal resolution
 * finds nothing. A copy installed next to the notebook still wins. No library does this for both
 * Node's require and tslab's embedded TypeScript checker, so it is written here, kept to the one
 * package name.
 */
import Module from 'module';
import * as path from 'path';

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
export const PACKAGE_NAME: string = require(path.join(PACKAGE_ROOT, 'package.json')).name;
const MARKER = `${path.sep}node_modules${path.sep}${PACKAGE_NAME}`;

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;

export function installRuntimeFallback(): void {
  const moduleWithInternals = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = moduleWithInternals._resolveFilename;
  moduleWithInternals._resolveFilename = function (request, parent, isMain, options) {
    try {
      return original.call(this, request, parent, isMain, options);
    } catch (error) {
      if (request === PACKAGE_NAME || request.startsWith(`${PACKAGE_NAME}/`)) {
        return original.call(this, PACKAGE_ROOT + request.slice(PACKAGE_NAME.length), parent, isMain, options);
      }
      throw error;
    }
  };
}

interface FileSystemHost {
  fileExists(path: string): boolean;
  directoryExists?(path: string): boolean;
  readFile(path: string, encoding?: string): string | undefined;
  realpath?(path: string): string;
}

/**
 * Maps `<any folder>/node_modules/<our name>/...` to our package when that path does not exist,
 * on the `sys` object that tslab's converter inherits from.
 */
export function installTypeCheckerFallback(sys: FileSystemHost): void {
  const mapped = (file: string): string | null => {
    const at = file.indexOf(MARKER);
    if (at < 0) return null;
    return PACKAGE_ROOT + file.slice(at + MARKER.length);
  };
  const fileExists = sys.fileExists.bind(sys);
  const directoryExists = sys.directoryExists?.bind(sys);
  const readFile = sys.readFile.bind(sys);
  const realpath = sys.realpath?.bind(sys);
  const real = (file: string, exists: (f: string) => boolean | undefined): string => {
    if (exists(file)) return file;
    return mapped(file) ?? file;
  };
  sys.fileExists = (file) => fileExists(real(file, fileExists));
  if (directoryExists) sys.directoryExists = (dir) => directoryExists(real(dir, directoryExists));
  sys.readFile = (file, encoding) => readFile(real(file, fileExists), encoding);
  if (realpath) sys.realpath = (file) => realpath(real(file, (f) => fileExists(f) || directoryExists?.(f)));
}
