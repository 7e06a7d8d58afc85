/**
 * A block that code writes into a document (README tables, docs/exit-codes.md)
 * between two marker comments. `npm run docs` rewrites the block; the drift
 * tests compare the document with its rewritten self.
 */

/** The marked block in `text` (from `begin` through `end`, markers included) replaced by `block`. */
export function withGeneratedBlock(
  text: string,
  marks: { begin: string; end: string; block: string; doc: string },
): string {
  const begin = text.indexOf(marks.begin);
  const end = text.indexOf(marks.end);
  if (begin < 0 || end < begin) throw new Error(`${marks.doc} has no markers ${marks.begin} ... ${marks.end}`);
  return text.slice(0, begin) + marks.block + text.slice(end + marks.end.length);
}
