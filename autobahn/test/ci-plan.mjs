// @ts-check
// What CI runs against which testee. Sections 1–10 (301 cases, 9.x included) cost seconds per
// testee and run against every one. The 216 compression cases cost 4–6 CPU minutes per testee
// (the testee deflates about 11 GB at zlib's default level, the fuzzer inflates it), too much
// for all ten within CI's time; so all 216 run against one testee per compression setup: the
// App (no context takeover either way), the ws-compat server (context takeover, per-socket
// windows) and the native Client, each on the epoll transport (the one users deploy). Every
// other testee runs the 108 compression cases with messages of up to 64 KiB that are not
// auto-fragmented (x.y.1–9: every payload kind, every offer of 13.x).
// `npm run autobahn:table` runs all 517 against every testee.
import { CATALOGUE } from '../src/catalogue.mjs';

export const isCompression = (/** @type {{ id: string }} */ c) => /^1[23]\./.test(c.id);
export const CORE = CATALOGUE.filter((c) => !isCompression(c));
export const COMPRESSION = CATALOGUE.filter(isCompression);
/** x.y.1–9: 16 B to 64 KiB, whole messages. */
export const COMPRESSION_SMALL = COMPRESSION.filter((c) => Number(c.id.split('.')[2]) <= 9);

/** Server testees (fuzzing-client mode) → compression cases run in CI. */
export const SERVER_COMPRESSION = {
  'uws-app-epoll': COMPRESSION,
  'ws-compat-epoll': COMPRESSION,
  'uws-protocol-net': COMPRESSION_SMALL,
  'uws-app-node': COMPRESSION_SMALL,
  'ws-compat-node': COMPRESSION_SMALL,
  'uws-app-epoll-tls': COMPRESSION_SMALL,
};

/** Client testees (fuzzing-server mode) → compression cases run in CI. */
export const CLIENT_COMPRESSION = {
  'uws-client-epoll': COMPRESSION,
  'ws-compat-client-epoll': COMPRESSION_SMALL,
  'uws-client-node': COMPRESSION_SMALL,
  'ws-compat-client-node': COMPRESSION_SMALL,
};

/**
 * "Not passing" lines of a run: anything but OK/NON-STRICT/INFORMATIONAL, or a close verdict
 * other than OK/INFORMATIONAL.
 * @param {import('../src/runner.mjs').CaseResult[]} results
 * @param {Set<string>} passing
 */
export const notPassing = (results, passing) =>
  results
    .filter((r) => !passing.has(r.behavior) || !['OK', 'INFORMATIONAL'].includes(r.behaviorClose))
    .map((r) => `${r.id} ${r.behavior}/${r.behaviorClose}: ${r.result} ${r.resultClose}`);
