/**
 * Finds the runnable code samples of a Markdown guide: fenced blocks whose info string is
 * `js runnable` (an ES module) or `cjs runnable` (CommonJS). Other blocks are fragments and are
 * not run. `requires=NAME[,NAME]` after `runnable` names services the sample needs (only
 * `redis-server` is known): the test provides them, and says loudly when it cannot.
 */
const FENCE = /^```(js|cjs) runnable([^\n]*)\n([\s\S]*?)^```$/gm;

/**
 * @param {string} markdown
 * @returns {{ kind: 'js' | 'cjs', code: string, line: number, requires: string[] }[]}
 */
export function runnableBlocks(markdown) {
  const blocks = [];
  for (const m of markdown.matchAll(FENCE)) {
    const line = markdown.slice(0, m.index).split('\n').length;
    const requires = /(?:^|\s)requires=(\S+)/.exec(m[2])?.[1].split(',') ?? [];
    blocks.push({ kind: /** @type {'js' | 'cjs'} */ (m[1]), code: m[3], line, requires });
  }
  return blocks;
}
