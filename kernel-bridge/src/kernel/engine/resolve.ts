/**
 * Lets a cell `import ... from "jupyterlab-webrtc-bridge"` (and from "rxjs", whose operators the
 * notebook API is used with) in any notebook folder, without an npm install next to the notebook,
 * by falling back to the kernel's own copies when normal resolution finds nothing. Copies
 * installed next to the notebook still win. No library does this for both Node's require and
 * tslab's embedded TypeScript checker, so it is written here, kept to these package names.
 */
import Module from 'module';
import * as path from 'path';

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
// PACKAGE_ROOT's package.json, read at run time (outside rootDir, so not an import).
const { name: PACKAGE_NAME } = require('../../../package.json') as { name: string };

/** Package name → the folder the kernel uses when a notebook folder has none. */
const FALLBACKS = new Map<string, string>([
  [PACKAGE_NAME, PACKAGE_ROOT],
  ['rxjs', path.dirname(require.resolve('rxjs/package.json'))],
]);

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;

export function installRuntimeFallback(): void {
  const moduleWithInternals = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = moduleWithInternals._resolveFilename;
  moduleWithInternals._resolveFilename = function (request, parent, isMain, options) {
    try {
      return original.call(this, request, parent, isMain, options);
    } catch (error) {
      for (const [name, root] of FALLBACKS) {
        if (request === name || request.startsWith(`${name}/`)) {
          return original.call(this, root + request.slice(name.length), parent, isMain, options);
        }
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

/** `<any folder>/node_modules/<name>/rest` → `<fallback root>/rest`, or null. */
function mapped(file: string): string | null {
  for (const [name, root] of FALLBACKS) {
    const marker = `${path.sep}node_modules${path.sep}${name}`;
    const at = file.indexOf(marker);
    const end = at + marker.length;
    if (at >= 0 && (end === file.length || file[end] === path.sep)) return root + file.slice(end);
  }
  return null;
}

/** The same fallback for the `sys` object that tslab's converter inherits from. */
export function installTypeCheckerFallback(sys: FileSystemHost): void {
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
