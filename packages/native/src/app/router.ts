/**
 * URL pattern routing as in uWebSockets.js: `/static/path`, `/:param` segments (read with
 * `getParameter`), and a trailing `*` that matches the rest. More specific patterns win:
 * segment by segment, static beats `:param` beats `*`; equal patterns keep registration order,
 * and a route for one method beats an `any` route.
 */

const STATIC = 0;
const PARAM = 1;
const WILDCARD = 2;

interface Segment {
  readonly kind: typeof STATIC | typeof PARAM | typeof WILDCARD;
  /** The static text, or the parameter's name. */
  readonly text: string;
}

interface Route<H> {
  /** Lower-case method, or `'*'` for any. */
  readonly method: string;
  readonly pattern: string;
  readonly segments: readonly Segment[];
  readonly paramNames: readonly string[];
  readonly handler: H;
  readonly order: number;
}

/** A matched route with its parameters. */
export interface RouteMatch<H> {
  readonly handler: H;
  readonly pattern: string;
  /** Parameter values in pattern order (raw, not percent-decoded). */
  readonly params: readonly string[];
  readonly paramNames: readonly string[];
}

export class Router<H> {
  private routes: Array<Route<H>> = [];

  /**
   * Adds a route. `method` is an HTTP method (matched case-insensitively) or `'*'` for any.
   * @throws {TypeError} on a pattern not starting with `/` or with `*` before its end.
   */
  add(method: string, pattern: string, handler: H): void {
    if (typeof pattern !== 'string' || !pattern.startsWith('/')) {
      throw new TypeError(`a route pattern must start with '/', got ${JSON.stringify(pattern)}`);
    }
    const segments = parsePattern(pattern);
    const route: Route<H> = {
      method: method === '*' ? '*' : method.toLowerCase(),
      pattern,
      segments,
      paramNames: segments.filter((s) => s.kind === PARAM).map((s) => s.text),
      handler,
      order: this.routes.length,
    };
    this.routes = [...this.routes, route].sort(compareRoutes);
  }

  /** Whether any route is registered. */
  get isEmpty(): boolean {
    return this.routes.length === 0;
  }

  /**
   * Every route matching `method` and `path` (without the query), best first. Lazy, so a
   * handler that yields costs only the next match.
   */
  *match(method: string, path: string): Generator<RouteMatch<H>> {
    const lower = method.toLowerCase();
    for (const route of this.routes) {
      if (route.method !== '*' && route.method !== lower) continue;
      const params = matchPath(route.segments, path);
      if (params !== undefined) yield { handler: route.handler, pattern: route.pattern, params, paramNames: route.paramNames };
    }
  }

  /**
   * The best route matching `method` (lower case) and `path`, or undefined: what
   * `match(...).next()` gives, without the generator (the upgrade path asks once per handshake).
   */
  first(lowerMethod: string, path: string): RouteMatch<H> | undefined {
    for (const route of this.routes) {
      if (route.method !== '*' && route.method !== lowerMethod) continue;
      const params = matchPath(route.segments, path);
      if (params !== undefined) return { handler: route.handler, pattern: route.pattern, params, paramNames: route.paramNames };
    }
    return undefined;
  }
}

/** The parameters of a route without any (shared: nobody writes to it). */
const NO_PARAMS: readonly string[] = Object.freeze([]);

function parsePattern(pattern: string): Segment[] {
  const parts = pattern.slice(1).split('/');
  return parts.map((part, i): Segment => {
    if (part === '*') {
      if (i !== parts.length - 1) throw new TypeError(`'*' must end a route pattern: ${pattern}`);
      return { kind: WILDCARD, text: '' };
    }
    if (part.startsWith(':')) return { kind: PARAM, text: part.slice(1) };
    return { kind: STATIC, text: part };
  });
}

/**
 * The parameters of `path` (starting with '/') for a route's segments, or undefined when it does
 * not match. Walks the path in place: the segments between slashes are compared where they are,
 * and only parameter values are cut out.
 */
function matchPath(segments: readonly Segment[], path: string): readonly string[] | undefined {
  let params: string[] | undefined;
  let from = 1; // after the leading '/'; past path.length when no segment is left
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.kind === WILDCARD) return params ?? NO_PARAMS;
    if (from > path.length) return undefined;
    let end = path.indexOf('/', from);
    if (end < 0) end = path.length;
    if (segment.kind === PARAM) (params ??= []).push(path.slice(from, end));
    else if (end - from !== segment.text.length || !path.startsWith(segment.text, from)) return undefined;
    from = end + 1;
  }
  return from === path.length + 1 ? (params ?? NO_PARAMS) : undefined;
}

function compareRoutes<H>(a: Route<H>, b: Route<H>): number {
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = a.segments[i].kind - b.segments[i].kind;
    if (d !== 0) return d;
  }
  if (a.segments.length !== b.segments.length) {
    // Same shape up to here. Only a trailing wildcard lets both match one path: the exact
    // (shorter) pattern then goes first.
    const aLonger = a.segments.length > b.segments.length;
    const longer = aLonger ? a : b;
    if (longer.segments[n].kind === WILDCARD) return aLonger ? 1 : -1;
    return b.segments.length - a.segments.length;
  }
  const anyA = a.method === '*' ? 1 : 0;
  const anyB = b.method === '*' ? 1 : 0;
  if (anyA !== anyB) return anyA - anyB;
  return a.order - b.order;
}
