/**
 * Topic names to Redis channel names: the prefix, then the topic as is (channels are binary-safe).
 * MQTT wildcard patterns (an App with `wildcardTopics`) become Redis glob patterns that match at
 * least what the MQTT pattern matches; the receiving App matches exactly (MQTT rules) before it
 * delivers, so a glob's extra matches cost a message on the wire, never a wrong delivery.
 */

/** Redis glob characters, escaped where a topic level is taken literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * The glob patterns (one or two) covering the MQTT filter `pattern`: `+` (one level) and `#`
 * (the rest) become `*`; `a/#` also matches `a` itself (MQTT 3.1.1 §4.7.1.2), hence a second,
 * exact pattern.
 */
export function globsFor(prefix: string, pattern: string): string[] {
  const levels = pattern.split('/');
  const last = levels[levels.length - 1];
  const glob = escapeGlob(prefix) + levels.map((level) => (level === '+' || level === '#' ? '*' : escapeGlob(level))).join('/');
  if (last === '#' && levels.length > 1) return [glob, escapeGlob(prefix) + levels.slice(0, -1).map((l) => (l === '+' ? '*' : escapeGlob(l))).join('/')];
  return [glob];
}
