/**
 * Finds the runnable code samples of a Markdown guide: fenced blocks whose info string is
 * `js runnable` (an ES module) or `cjs runnable` (CommonJS). Other blocks are fragments and are
 * not run.
 */
const FENCE = /^```(js|cjs) runnable[^\n]*\n([\s\S]*?)^```$/gm;

/**
 * @param {string} markdown
 * @returns {{ kind: 'js' | 'cjs', code: string, line: number }[]}
 */
export function runnableBlocks(markdown) {
  const blocks = [];
  for (const m of markdown.matchAll(FENCE)) {
    const line = markdown.slice(0, m.index).split('\n').length;
    blocks.push({ kind: /** @type {'js' | 'cjs'} */ (m[1]), code: m[2], line });
  }
  return blocks;
}
