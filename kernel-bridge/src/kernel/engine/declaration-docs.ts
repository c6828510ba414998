/**
 * Serves the .d.ts files of node_modules (TypeScript's lib files and @types/node among them, 2.5 MB
 * for an empty notebook) to the type checker with their JSDoc comments made plain comments until
 * the first inspect_request needs them. TypeScript 5.0 (pinned by tslab) parses every JSDoc comment
 * of every declaration while building the program, about 12 % of the kernel's CPU time to its first
 * result, and only reads them for hover documentation: a .ts file's types and errors never depend
 * on them. Only the third character of `/**` changes, so every position stays where it was.
 * engine.ts rebuilds the program with the comments on the first inspection.
 */

interface ReadingHost {
  readFile(path: string, encoding?: string): string | undefined;
}

let hidingDocs = true;

/** Wraps `sys.readFile` (the `ts.sys` tslab's converter reads through) while docs are hidden. */
export function installDocHiding(sys: ReadingHost): void {
  const readFile = sys.readFile.bind(sys);
  sys.readFile = (file, encoding) => {
    const text = readFile(file, encoding);
    return hidingDocs && text !== undefined && isPackageDeclaration(file) ? demoteJsDocComments(text) : text;
  };
}

/** Whether declaration files are read without their JSDoc (until restoreDocs()). */
export function docsHidden(): boolean {
  return hidingDocs;
}

/** From now on declaration files are read whole; programs built before keep the plain comments. */
export function restoreDocs(): void {
  hidingDocs = false;
}

function isPackageDeclaration(file: string): boolean {
  return file.endsWith('.d.ts') && /[\\/]node_modules[\\/]/.test(file);
}

/** Where code may change state: a comment, a string, a template literal or a brace. */
const CODE_STOP = /[/"'`{}]/g;
const TEMPLATE_STOP = /[`\\]|\$\{/g;
const STRING_STOP = { '"': /["\\\n]/g, "'": /['\\\n]/g } as const;

/**
 * `text` with every JSDoc comment (`/**` not followed by `/`, as TypeScript decides) turned into a
 * plain `/* ` comment of the same length, except those with `@deprecated`: completions sort
 * deprecated names last, so the type checker must see that tag. Strings, template literals (with
 * nested `${}`) and other comments are left alone; declaration files have no regular expressions.
 */
export function demoteJsDocComments(text: string): string {
  const parts: string[] = [];
  let copiedUpTo = 0;
  /** One entry per open `{` in code: true when it is a template literal's `${`. */
  const braces: boolean[] = [];
  let i = 0;
  /** Index of the next match of `stop` from i, or the end of the text. */
  const next = (stop: RegExp): number => {
    stop.lastIndex = i;
    const match = stop.exec(text);
    return match ? match.index : text.length;
  };
  /** From inside a template literal to its end, or past the `${` that opens a substitution. */
  const skipTemplate = (): void => {
    while ((i = next(TEMPLATE_STOP)) < text.length) {
      const c = text[i];
      if (c === '$') {
        braces.push(true);
        i += 2;
        return;
      }
      i += c === '\\' ? 2 : 1;
      if (c === '`') return;
    }
  };
  let nextDeprecated = text.indexOf('@deprecated');
  while ((i = next(CODE_STOP)) < text.length) {
    const c = text[i];
    if (c === '/') {
      const after = text[i + 1];
      if (after === '/') {
        i = text.indexOf('\n', i);
        if (i < 0) break;
      } else if (after === '*') {
        const close = text.indexOf('*/', i + 2);
        const end = close < 0 ? text.length : close + 2;
        // the next `@deprecated` at or after this comment, searched again only once passed: one
        // linear pass over the file (searching from each comment was quadratic in a file without one)
        if (nextDeprecated >= 0 && nextDeprecated < i) nextDeprecated = text.indexOf('@deprecated', i);
        const deprecation = nextDeprecated >= 0 && nextDeprecated < end;
        if (text[i + 2] === '*' && text[i + 3] !== '/' && !deprecation) {
          // `/**` becomes `/* `: a plain comment, which the parser skips like whitespace.
          parts.push(text.slice(copiedUpTo, i + 2), ' ');
          copiedUpTo = i + 3;
        }
        i = end;
      } else i++;
    } else if (c === '"' || c === "'") {
      i++;
      while ((i = next(STRING_STOP[c])) < text.length) {
        const stop = text[i];
        i += stop === '\\' ? 2 : 1;
        if (stop !== '\\') break;
      }
    } else if (c === '`') {
      i++;
      skipTemplate();
    } else if (c === '{') {
      braces.push(false);
      i++;
    } else {
      i++;
      if (braces.pop()) skipTemplate();
    }
  }
  if (copiedUpTo === 0) return text;
  parts.push(text.slice(copiedUpTo));
  return parts.join('');
}
