// Block coverage of the codec's own script from V8, through the inspector (no instrumentation
// step, no dependency). Precise coverage with call counts resets the counters on every take,
// so one take covers exactly what ran since the previous one.
//
// V8 leaves out a nested block whose count equals its parent's, so a block is only seen once it
// has had a different count (often 0: the branch not taken). Every block range ever reported is
// remembered per function, and each take gives every known block the count of the innermost
// reported range that contains it: taking a branch that was seen untaken then counts as reaching it.
import { Session } from 'node:inspector';

/** libFuzzer's hit-count buckets: 1, 2, 3, 4–7, 8–15, 16–31, 32–127, 128+. */
function bucket(count) {
  if (count < 4) return count;
  if (count < 8) return 4;
  if (count < 16) return 5;
  if (count < 32) return 6;
  if (count < 128) return 7;
  return 8;
}

export class Coverage {
  /** @param {string} scriptUrl the URL of the script whose blocks count (the codec's dist file). */
  constructor(scriptUrl) {
    this.scriptUrl = scriptUrl;
    this.session = new Session();
    this.session.connect();
    /** Function start offset → its known block ranges `[start, end, id]`. */
    this.blocksByFunction = new Map();
    this.blockCount = 0;
    /** Function start offsets seen, and those seen called. */
    this.functions = new Set();
    this.calledFunctions = new Set();
    /** Block ids with a non-zero count in some take. */
    this.covered = new Set();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  /** A synchronous inspector call (a same-thread session answers before `post` returns). */
  post(method, params) {
    let result;
    let error;
    this.session.post(method, params, (err, res) => {
      error = err;
      result = res;
    });
    if (error) throw error;
    return result;
  }

  /** Forgets the counts so far (call after importing the codec and before the first input). */
  reset() {
    this.take();
  }

  /**
   * The features of what ran since the last take: one number per known block with a non-zero
   * count (block id × 16 + bucket of the count). Registers blocks seen for the first time.
   */
  take() {
    const { result } = this.post('Profiler.takePreciseCoverage');
    const features = [];
    for (const script of result) {
      if (script.url !== this.scriptUrl) continue;
      for (const fn of script.functions) this.featuresOf(fn.ranges, features);
    }
    return features;
  }

  featuresOf(ranges, features) {
    const fnStart = ranges[0].startOffset;
    this.functions.add(fnStart);
    if (ranges[0].count > 0) this.calledFunctions.add(fnStart);
    let blocks = this.blocksByFunction.get(fnStart);
    if (blocks === undefined) this.blocksByFunction.set(fnStart, (blocks = []));
    for (const r of ranges) {
      if (!blocks.some((b) => b[0] === r.startOffset && b[1] === r.endOffset)) blocks.push([r.startOffset, r.endOffset, this.blockCount++]);
    }
    for (const [start, end, id] of blocks) {
      // Ranges come outermost first: the last one containing the block is the innermost.
      let count = 0;
      for (const r of ranges) if (r.startOffset <= start && end <= r.endOffset) count = r.count;
      if (count > 0) {
        features.push(id * 16 + bucket(count));
        this.covered.add(id);
      }
    }
  }

  /** Starts counting covered blocks afresh (for the next target); known blocks are kept. */
  resetCovered() {
    this.covered = new Set();
    this.calledFunctions = new Set();
  }

  /** Blocks covered, blocks known (seen reported at all), functions called and known. */
  stats() {
    return { covered: this.covered.size, known: this.blockCount, calledFunctions: this.calledFunctions.size, functions: this.functions.size };
  }
}
