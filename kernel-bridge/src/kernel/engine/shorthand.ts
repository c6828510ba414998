/**
 * tslab 1.0.22 turns names declared by earlier cells into `exports.<name>`, except inside
 * shorthand properties: `({ seen })` then throws "seen is not defined". Writing every shorthand
 * out as `seen: seen` (the same meaning in every context) before tslab sees the cell avoids
 * that. Columns after an expanded shorthand on its line shift in diagnostics; nothing else moves.
 */
import * as ts from '@tslab/typescript-for-tslab';

export function expandShorthandProperties(code: string): string {
  if (!code.includes('{')) return code;
  const source = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TSX);
  const inserts: { at: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) {
      inserts.push({ at: node.name.getStart(source), text: `${node.name.text}: ` });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  let out = code;
  for (const { at, text } of inserts.reverse()) out = out.slice(0, at) + text + out.slice(at);
  return out;
}
