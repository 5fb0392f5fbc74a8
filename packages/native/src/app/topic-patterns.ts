/**
 * MQTT-style wildcard subscriptions (MQTT 3.1.1 §4.7), for Apps made with `wildcardTopics`:
 * topic levels are separated by `/`; `+` matches exactly one level (an empty one too); `#`, only
 * as the last level, matches any number of levels, zero included — `sport/#` matches `sport`,
 * `sport/` and `sport/tennis/player1` (§4.7.1.2). A wildcard must take a whole level (`sport+`
 * and `sport/tennis#` are invalid filters), and topic names that start with `$` are not matched
 * by a filter whose first level is a wildcard (§4.7.2). Published topic names cannot hold `+` or
 * `#` (§4.7.1).
 *
 * Patterns live in a tree of levels, so a publish visits only the branches its levels can match.
 */

/** One level of the pattern tree. */
class Level<S> {
  /** Literal next levels. */
  children: Map<string, Level<S>> | undefined = undefined;
  /** The `+` next level. */
  plus: Level<S> | undefined = undefined;
  /** Subscribers of the pattern that ends here. */
  here: Set<S> | undefined = undefined;
  /** Subscribers of the pattern that ends here with `/#`. */
  rest: Set<S> | undefined = undefined;

  get empty(): boolean {
    return this.children === undefined && this.plus === undefined && this.here === undefined && this.rest === undefined;
  }
}

/**
 * Whether `topic` holds a wildcard character: with wildcards on, it is a filter (a valid one, or
 * a RangeError from {@link validatePattern}).
 */
export function isWildcardPattern(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

/**
 * Checks a subscription filter that holds `+` or `#`.
 * @throws {RangeError} with the MQTT rule it breaks.
 */
export function validatePattern(pattern: string): void {
  const levels = pattern.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      throw new RangeError(`invalid topic filter ${JSON.stringify(pattern)}: '#' must be a whole level and the last one (MQTT 3.1.1 §4.7.1.2)`);
    }
    if (level.includes('+') && level !== '+') {
      throw new RangeError(`invalid topic filter ${JSON.stringify(pattern)}: '+' must be a whole level (MQTT 3.1.1 §4.7.1.3)`);
    }
  }
}

/**
 * Checks a topic name published to.
 * @throws {RangeError} when it holds a wildcard character.
 */
export function validateTopicName(topic: string): void {
  if (topic.includes('+') || topic.includes('#')) {
    throw new RangeError(`invalid topic name ${JSON.stringify(topic)}: '+' and '#' are for subscriptions only (MQTT 3.1.1 §4.7.1)`);
  }
}

export class TopicPatterns<S> {
  private readonly root = new Level<S>();
  /** Pattern → its subscribers (the same sets the tree holds). */
  private readonly sets = new Map<string, Set<S>>();

  /** Number of patterns with subscribers. */
  get size(): number {
    return this.sets.size;
  }

  /** Every pattern with subscribers. */
  names(): IterableIterator<string> {
    return this.sets.keys();
  }

  /** The subscribers of `pattern` (creating the pattern when `create`). */
  set(pattern: string, create: boolean): Set<S> | undefined {
    let set = this.sets.get(pattern);
    if (set !== undefined || !create) return set;
    set = new Set();
    this.sets.set(pattern, set);
    const levels = pattern.split('/');
    let node = this.root;
    const last = levels.length - 1;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i];
      if (level === '#') {
        node.rest = set;
        return set;
      }
      node = level === '+' ? (node.plus ??= new Level()) : childOf(node, level);
      if (i === last) node.here = set;
    }
    return set;
  }

  /** Forgets `pattern` (its set is empty). */
  remove(pattern: string): void {
    if (!this.sets.delete(pattern)) return;
    const levels = pattern.split('/');
    const path: [Level<S>, string][] = [];
    let node: Level<S> | undefined = this.root;
    for (const level of levels) {
      if (level === '#') {
        node.rest = undefined;
        break;
      }
      path.push([node, level]);
      node = level === '+' ? node.plus : node.children?.get(level);
      if (node === undefined) return;
    }
    if (levels[levels.length - 1] !== '#') node.here = undefined;
    // Prune empty levels bottom-up.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, level] = path[i];
      const child = level === '+' ? parent.plus : parent.children?.get(level);
      if (child === undefined || !child.empty) break;
      if (level === '+') parent.plus = undefined;
      else {
        parent.children!.delete(level);
        if (parent.children!.size === 0) parent.children = undefined;
      }
    }
  }

  /** Calls `each` with the subscriber set of every pattern that matches `topic`. */
  match(topic: string, each: (set: Set<S>) => void): void {
    const levels = topic.split('/');
    // §4.7.2: a leading wildcard does not match topics that start with '$'.
    this.walk(this.root, levels, 0, topic.startsWith('$'), each);
  }

  private walk(node: Level<S>, levels: string[], i: number, dollar: boolean, each: (set: Set<S>) => void): void {
    // `x/#` matches `x` itself and everything under it.
    if (node.rest !== undefined && !(dollar && i === 0)) each(node.rest);
    if (i === levels.length) {
      if (node.here !== undefined) each(node.here);
      return;
    }
    const child = node.children?.get(levels[i]);
    if (child !== undefined) this.walk(child, levels, i + 1, dollar, each);
    if (node.plus !== undefined && !(dollar && i === 0)) this.walk(node.plus, levels, i + 1, dollar, each);
  }
}

function childOf<S>(node: Level<S>, level: string): Level<S> {
  const children = (node.children ??= new Map<string, Level<S>>());
  let child = children.get(level);
  if (child === undefined) children.set(level, (child = new Level<S>()));
  return child;
}
