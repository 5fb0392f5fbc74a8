// A small seeded PRNG (xorshift32): the mutator and the chunk plans must be reproducible from a
// seed, which Math.random is not.

export class Rng {
  /** @param {number} seed any integer; 0 is mapped to a fixed non-zero state. */
  constructor(seed) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A uint32. */
  next() {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** An integer in [0, n). */
  below(n) {
    return n <= 1 ? 0 : this.next() % n;
  }

  /** True with probability 1/n. */
  oneIn(n) {
    return this.below(n) === 0;
  }

  /** A random element of a non-empty array. */
  pick(items) {
    return items[this.below(items.length)];
  }
}
