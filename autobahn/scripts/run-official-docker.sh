#!/usr/bin/env bash
# Runs the official Autobahn|Testsuite (crossbario/autobahn-testsuite image, fuzzingclient mode,
# all cases) against one of our testees. Needs Docker; CI does not run this (it runs our own
# runner of the same catalogue instead).
#
#   scripts/run-official-docker.sh [testee] [port]
#     testee: uws-app-epoll (default) | uws-app-node | uws-protocol-net | broken-echo
#   Reports: autobahn/reports/official/index.json (+ HTML). Compare with ours:
#     node scripts/compare-reports.mjs reports/official/index.json reports/index.json
set -euo pipefail
cd "$(dirname "$0")/.."
testee="${1:-uws-app-epoll}"
port="${2:-9001}"
case "$testee" in
  uws-app-epoll) cmd=(node testees/app-echo.mjs epoll "$port") ;;
  uws-app-node) cmd=(node testees/app-echo.mjs node "$port") ;;
  uws-protocol-net) cmd=(node testees/protocol-net-echo.mjs "$port") ;;
  broken-echo) cmd=(node testees/broken-echo.mjs "$port") ;;
  *) echo "unknown testee: $testee" >&2; exit 2 ;;
esac

# The testees listen on 127.0.0.1, so the container shares the host network.
"${cmd[@]}" &
testee_pid=$!
trap 'kill "$testee_pid" 2>/dev/null || true' EXIT
sleep 1

spec="$(mktemp)"
sed -e "s|ws://host.docker.internal:9001|ws://127.0.0.1:$port|" -e "s|\"uws-testee\"|\"$testee\"|" fuzzingclient.json > "$spec"
mkdir -p reports/official
docker run --rm --network host \
  -v "$spec:/config/fuzzingclient.json:ro" \
  -v "$PWD/reports:/reports" \
  crossbario/autobahn-testsuite \
  wstest -m fuzzingclient -s /config/fuzzingclient.json
rm -f "$spec"
