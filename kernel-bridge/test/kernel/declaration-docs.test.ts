/**
 * engine/declaration-docs.ts hides JSDoc from the type checker by turning `/**` into `/* `: only
 * JSDoc comments may change, by one character, wherever they are; strings and template literals
 * that merely contain `/**` must not, nor a comment with `@deprecated` (completions sort by it).
 */
import * as ts from '@tslab/typescript-for-tslab';
import { demoteJsDocComments } from '../../src/kernel/engine/declaration-docs';

const SOURCE = [
  '/** A documented function. */',
  'declare function f(x: number): string;',
  '/**/ declare const empty: 1;',
  '/* plain */ // line /** not a doc',
  "declare const glob: 'src/**/*.ts';",
  'declare const quoted: "a \\" /** b";',
  'type T = `x/**${`nested /** ${number}`}*/y`;',
  'interface I {',
  '  /**',
  '   * A member.',
  '   * @deprecated',
  '   */',
  '  m(): void;',
  '  /** Not deprecated either. */',
  '  n(): void;',
  '}',
  '/** last */',
].join('\n');

function jsDocCount(text: string): number {
  let count = 0;
  const visit = (node: ts.Node): void => {
    count += (node as { jsDoc?: unknown[] }).jsDoc?.length ?? 0;
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('x.d.ts', text, ts.ScriptTarget.ES2022, true));
  return count;
}

describe('demoteJsDocComments', () => {
  const demoted = demoteJsDocComments(SOURCE);

  it('changes only the second star of each JSDoc comment', () => {
    expect(demoted.length).toBe(SOURCE.length);
    const changed = [...SOURCE].flatMap((c, i) => (demoted[i] === c ? [] : [i]));
    expect(changed).toEqual([
      SOURCE.indexOf('/** A documented') + 2,
      SOURCE.indexOf('/** Not deprecated') + 2,
      SOURCE.indexOf('/** last') + 2,
    ]);
  });

  it('leaves the type checker only the deprecation to parse, and the same declarations', () => {
    expect(jsDocCount(SOURCE)).toBe(4);
    expect(jsDocCount(demoted)).toBe(1);
    const statements = (text: string) =>
      ts.createSourceFile('x.d.ts', text, ts.ScriptTarget.ES2022, true).statements.map((s) => [s.kind, s.pos, s.end]);
    expect(statements(demoted)).toEqual(statements(SOURCE));
  });

  it('returns text without JSDoc unchanged', () => {
    const text = 'declare const a: "/**";\n// /** x */\n';
    expect(demoteJsDocComments(text)).toBe(text);
  });
});
